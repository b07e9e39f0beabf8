/** How API Gateway saw the caller: the IAM principal (`identity`), or verified Cognito claims. */
export interface EventCaller {
  /** Merged over `{ userArn: null, sourceIp: '1.2.3.4' }`. */
  identity?: Record<string, unknown>;
  /** The user pool authorizer's claims; no authorizer when absent. */
  claims?: Record<string, unknown>;
}

/**
 * An API Gateway REST proxy event for the Lambda API handler (stage v1), as AWS delivers it: a
 * JSON body and content-type, `headers` added to those.
 */
export function apiGatewayEvent(method: string, path: string, caller: EventCaller, body?: unknown, headers: Record<string, string> = {}) {
  return {
    resource: path,
    path,
    httpMethod: method,
    headers: { 'content-type': 'application/json', ...headers },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    isBase64Encoded: false,
    body: body === undefined ? null : JSON.stringify(body),
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc',
      domainName: 'abc.execute-api.us-east-1.amazonaws.com',
      stage: 'v1',
      httpMethod: method,
      path: `/v1${path}`,
      requestId: 'r1',
      resourcePath: path,
      identity: { userArn: null, sourceIp: '1.2.3.4', ...caller.identity },
      ...(caller.claims ? { authorizer: { claims: caller.claims } } : {}),
    },
  };
}

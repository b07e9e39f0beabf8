import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { CheckpointUrls } from './deps.js';

/**
 * Checkpoint URLs on AWS: S3 presigned URLs, signed with the API function's role (which may read
 * and write the artifact bucket's `teams/` prefix). A presigned URL lasts as long as it says or as
 * long as the credentials that signed it, whichever ends first; jobs ask again for every object.
 */
export function s3CheckpointUrls(base: string, client = new S3Client({})): CheckpointUrls {
  const root = /^s3:\/\/([a-z0-9.-]{3,63})\/?$/.exec(base);
  if (!root) throw new Error(`ARTIFACT_BASE_URI must be s3://<bucket>, got ${base}`);
  const bucket = root[1];
  return {
    base: `s3://${bucket}`,
    async url(uri, method, seconds) {
      const prefix = `s3://${bucket}/`;
      if (!uri.startsWith(prefix)) throw new Error(`${uri} is not in the artifact bucket`);
      const key = uri.slice(prefix.length);
      const command =
        method === 'PUT' ? new PutObjectCommand({ Bucket: bucket, Key: key }) : new GetObjectCommand({ Bucket: bucket, Key: key });
      return await getSignedUrl(client, command, { expiresIn: seconds });
    },
  };
}

import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { s3CheckpointUrls } from '../../functions/api/s3-checkpoints.js';

/** The AWS side of checkpoint URLs: S3 presigned URLs (signed offline, with static test credentials). */
const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'test-secret' } });

describe('S3 checkpoint URLs', () => {
  it('presign exactly the object asked for, for the seconds asked, one signature per method', async () => {
    // Prepare
    const urls = s3CheckpointUrls('s3://rung-artifacts', client);
    const uri = 's3://rung-artifacts/teams/team-a/studies/s1/trials/7/checkpoint/state.pt';

    // Act
    const put = new URL(await urls.url(uri, 'PUT', 900));
    const get = new URL(await urls.url(uri, 'GET', 900));

    // Assess
    expect(urls.base).toBe('s3://rung-artifacts');
    for (const url of [put, get]) {
      expect(url.hostname).toBe('rung-artifacts.s3.us-east-1.amazonaws.com');
      expect(url.pathname).toBe('/teams/team-a/studies/s1/trials/7/checkpoint/state.pt');
      expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
      expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^AKIDEXAMPLE\/\d{8}\/us-east-1\/s3\/aws4_request$/);
      expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
    }
    expect(put.searchParams.get('X-Amz-Signature')).not.toBe(get.searchParams.get('X-Amz-Signature'));
  });

  it('signs nothing outside its bucket, and refuses a base that is not a bucket', async () => {
    // Prepare
    const urls = s3CheckpointUrls('s3://rung-artifacts/', client);

    // Act / Assess
    await expect(urls.url('s3://other-bucket/teams/x/state.pt', 'GET', 900)).rejects.toThrow(/not in the artifact bucket/);
    expect(() => s3CheckpointUrls('file:///tmp/artifacts', client)).toThrow(/ARTIFACT_BASE_URI must be s3:\/\/<bucket>/);
  });
});

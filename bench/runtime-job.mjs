// The cheapest job the contract allows (docs/jobs.md): one measurement at the slice's last step,
// then exit 0. Plain Node with node:http: loading fetch (undici) costs a job more CPU than
// starting Node does, and the benchmark is meant to time the control plane.
import http from 'node:http';

const env = process.env;
const url = `${env.RUNG_API_URL}/studies/${encodeURIComponent(env.RUNG_STUDY_ID)}/trials/${encodeURIComponent(env.RUNG_TRIAL_ID)}/measurements`;
const step = Number(env.RUNG_RESOURCE_TO);
const body = JSON.stringify({ step, metrics: { score: Number(JSON.parse(env.RUNG_PARAMS).x) * step } });
const headers = { 'content-type': 'application/json', 'x-rung-team': env.RUNG_TEAM, authorization: `Bearer ${env.RUNG_API_TOKEN}` };
const { status, text } = await new Promise((resolve, reject) => {
  const req = http.request(url, { method: 'POST', headers }, (res) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => (text += chunk));
    res.on('end', () => resolve({ status: res.statusCode, text }));
  });
  req.on('error', reject);
  req.end(body);
});
if (status >= 300) {
  console.error(`report rejected (${status}): ${text}`);
  process.exit(1);
}

/**
 * The attacker of the flood scenario, run as its own process so it does not share the
 * measuring client's event loop: wrong secrets for a real token id and well-formed
 * random token ids, as fast as the server answers. Args: <url> <tokenid> <seconds>.
 */
import { randomUUID } from "node:crypto";
import autocannon from "autocannon";

const [url, tokenid, seconds] = process.argv.slice(2);
if (!url || !tokenid || !seconds) {
  console.error("usage: flood.ts <url> <tokenid> <seconds>");
  process.exit(2);
}

let counter = 0;
const result = await autocannon({
  url,
  connections: 16,
  duration: Number(seconds),
  requests: [
    {
      setupRequest: (request) => {
        counter += 1;
        const authid = counter % 2 === 0 ? tokenid : `flood${counter % 997}@pbs!t${randomUUID().slice(0, 8)}`;
        return { ...request, headers: { ...request.headers, authorization: `PBSAPIToken=${authid}:${randomUUID()}` } };
      },
    },
  ],
});
process.stdout.write(
  JSON.stringify({ requests: result.requests.total, non2xx: result.non2xx, statusCodes: result.statusCodeStats }) + "\n",
);

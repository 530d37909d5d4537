/**
 * `pnpm gatehouse <command>`: the admin CLI entry point. Wires the real terminal
 * into runCli; everything else lives in cli/run-cli.ts.
 */
import { runCli, type CliIo } from "./cli/run-cli.js";
import { applyConfigFile } from "./config.js";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Reads a line from the terminal without echoing it; null without a terminal. */
function promptHidden(question: string): Promise<string | null> {
  const input = process.stdin;
  if (!input.isTTY || !process.stderr.isTTY) return Promise.resolve(null);
  process.stderr.write(question);
  return new Promise((resolve) => {
    let answer = "";
    input.setRawMode(true);
    input.resume();
    input.setEncoding("utf8");
    const finish = (value: string | null) => {
      input.setRawMode(false);
      input.pause();
      input.off("data", onData);
      process.stderr.write("\n");
      resolve(value);
    };
    const onData = (text: string) => {
      for (const char of text) {
        if (char === "\r" || char === "\n") return finish(answer);
        // Ctrl-C and Ctrl-D abandon the prompt.
        if (char === "\u0003" || char === "\u0004") {
          finish(null);
          process.exit(130);
        }
        if (char === "\u007f" || char === "\b") answer = answer.slice(0, -1);
        else answer += char;
      }
    };
    input.on("data", onData);
  });
}

// The CLI reads the server's config file too, so it opens the same store.
const applied = applyConfigFile(process.env, process.cwd());
if (!applied.ok) {
  process.stderr.write(`gatehouse: ${applied.error}\n`);
  process.exit(1);
}
for (const warning of applied.value.warnings) process.stderr.write(`gatehouse: ${warning}\n`);

const io: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin,
  promptHidden,
  env: applied.value.env,
  cwd: process.cwd(),
};

process.exitCode = await runCli(process.argv.slice(2), io);

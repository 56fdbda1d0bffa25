import { styleText } from "node:util";

/** Where a command writes, and what it reads: the process's streams, or captured ones in tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => Promise<string>;
  env: NodeJS.ProcessEnv;
  /** Whether stderr is a terminal (progress lines with colour). */
  isTty: boolean;
}

/** The process's own streams. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
    env: process.env,
    isTty: Boolean(process.stderr.isTTY),
  };
}

type Style = Parameters<typeof styleText>[0];

/** Colours text when the stream is a terminal and NO_COLOR is not set. */
export function paint(io: CliIo, style: Style, text: string): string {
  if (!io.isTty || io.env.NO_COLOR) return text;
  return styleText(style, text);
}

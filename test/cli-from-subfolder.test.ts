import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, ROOT, tempHome } from "./support/cli.js";
import { pnpmCommand, runCommand, userEnv } from "./support/commands.js";

const EXAMPLE = join(ROOT, "examples", "variables");

/** `pnpm --silent weft …` typed in a folder of the repository. */
async function pnpmWeft(cwd: string, args: string[]) {
  const pnpm = pnpmCommand();
  return runCommand(pnpm.command, [...pnpm.args, "--silent", "weft", ...args], {
    cwd,
    env: userEnv({ WEFT_HOME: tempHome() }),
  });
}

describe("paths on the command line are relative to the folder the command was typed in", () => {
  it("pnpm weft from a subfolder of the repository runs a flow in that subfolder", async () => {
    const { code, stdout, stderr } = await pnpmWeft(EXAMPLE, [
      "run",
      "variables.flow.json",
      "--input",
      "seats=5",
    ]);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ greeting: "Hello Contoso, you have 5 seats.", seats: 5 });
  });

  it("a flow file that is not there is reported with the path that was tried", async () => {
    const { code, stdout, stderr } = await pnpmWeft(EXAMPLE, ["run", "nope.flow.json"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain(`error: nope.flow.json: no such file (${join(EXAMPLE, "nope.flow.json")})`);
  });

  it("node_modules/.bin/weft exists after one install, and runs in the folder it is started in", async () => {
    const bin = join(ROOT, "node_modules", ".bin", "weft");
    const { code, stdout, stderr } = await runCommand(bin, ["run", "variables.flow.json"], {
      cwd: EXAMPLE,
      env: userEnv({ WEFT_HOME: tempHome() }),
    });
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ seats: 3 });
  });

  it("the weft bin run in a folder resolves paths there", async () => {
    const { code, stdout, stderr } = await runCommand(process.execPath, [BIN, "run", "variables.flow.json"], {
      cwd: EXAMPLE,
      env: userEnv({ WEFT_HOME: tempHome() }),
    });
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ seats: 3 });
  });
});

/**
 * The oldest Node.js Weft runs on, as the packages' `engines` field says. Older versions lack APIs
 * the engine and its clients use, and fail with a SyntaxError or a TypeError far from the cause.
 */
export const MINIMUM_NODE_VERSION = { major: 20, minor: 19 } as const;

/** The message for a Node.js version Weft cannot run on (`"18.20.8"`), or `undefined` when it can. */
export function unsupportedNodeVersion(version: string): string | undefined {
  const [major = 0, minor = 0] = version.replace(/^v/, "").split(".").map(Number);
  const { major: needMajor, minor: needMinor } = MINIMUM_NODE_VERSION;
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return undefined;
  return `Weft needs Node.js ${needMajor}.${needMinor} or later; this is ${version}.`;
}

// Checked when the engine is imported: this module is the first one `index.ts` loads, so an old
// Node stops here with a clear message rather than in whatever module first needs a newer API.
const problem = unsupportedNodeVersion(process.versions.node);
if (problem) throw new Error(problem);

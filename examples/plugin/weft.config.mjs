// Weft's settings for this folder: `weft run`, `validate`, `graph`, `schema` and `connection`
// started here (or in a folder below) load these plug-ins, relative to this file.
export default {
  plugins: ["./json-service.mjs"],
};

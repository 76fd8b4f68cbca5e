// The repository's JavaScript client (clients/js, npm package "smq-client"), imported by
// relative path so that the app always bundles the client of the same checkout.
export * from "../../../../clients/js/src/smq.js";
export { default } from "../../../../clients/js/src/smq.js";

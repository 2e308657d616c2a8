//> final listing-entries-reexport
// Moved: reading a folder from the local disk is the local storage's business
// (storage/local/entries.ts). Kept only for the tests that import it from here
// (test/final/listing-walks.test.ts); the server imports storage/local/entries.ts.
export * from "../storage/local/entries.ts";
//<

//> final send-file-reexport
// Moved: the fast download path is the local storage's (storage/local/send-file.ts). Kept only
// for the tests that import it from here (test/final/send-file-abort.test.ts).
export { sendFile } from "../storage/local/send-file.ts";
//<

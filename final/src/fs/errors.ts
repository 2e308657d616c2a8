//> final fs-errors-reexport
// File-system errors become FTP replies a user can act on: the one mapping now lives in
// storage/errors.ts (Node errno errors and StorageErrors alike, with the same reply texts).

export { isUnexpected, toFtpError } from "../storage/errors.ts";
//<

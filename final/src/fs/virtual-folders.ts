//> final virtual-folders
// Virtual folders and per-folder permissions, as xxftp's virtual directories and pyftpdlib's
// override_perm: a folder from elsewhere on the disk appears inside a user's tree with its own
// permission letters, and any folder of the tree can have letters of its own.
//
//   [users]
//   virtual_folders = anna:/shared=/srv/shared:elr; *:/drop=/srv/dropbox:ew
//   folder_permissions = anna:/incoming=elrw; guest:/=elr
//
//   anna sees /shared (read-only, from /srv/shared) and /drop, where she may upload but not
//   list or download: a drop box. "*" means every account, anonymous included.
//
// The jail rules hold inside a virtual folder: its real folder is a jail of its own, so no
// "..", absolute path or symbolic link leads out of it (tests: part3-virtual-folders).

export interface FolderRule {
  /** A user name, "anonymous", or "*" for every account. */
  user: string;
  /** The virtual path, "/shared". */
  vpath: string;
  /** Virtual folders only: the real folder shown there. */
  real?: string;
  perms: string;
}

/**
 * Parses "anna:/shared=/srv/shared:elr; *:/drop=/srv/dropbox:ew" (virtual folders, `withReal`)
 * or "anna:/incoming=elrw" (folder permissions). Throws an Error naming the bad part.
 */
export function parseFolderRules(text: string, withReal: boolean): FolderRule[] {
  const rules: FolderRule[] = [];
  const shape = withReal ? "USER:/VIRTUAL=/REAL/FOLDER:PERMS" : "USER:/FOLDER=PERMS";
  for (const part of text.split(";").map((p) => p.trim()).filter(Boolean)) {
    const m = withReal ? /^([^:\s]+):(\/[^=]*)=(.+):([A-Za-z]+)$/.exec(part) : /^([^:\s]+):(\/[^=]*)=([A-Za-z]+)$/.exec(part);
    if (!m) throw new Error(`"${part}" should be ${shape}`);
    const vpath = normalize(m[2]!);
    if (withReal && vpath === "/") throw new Error(`"${part}": a virtual folder cannot replace "/" (give the user that home instead)`);
    rules.push({ user: m[1]!, vpath, ...(withReal ? { real: m[3]!, perms: m[4]! } : { perms: m[3]! }) });
  }
  return rules;
}

/** "/a//b/" -> "/a/b"; ".." and "." are not allowed in a rule. */
function normalize(vpath: string): string {
  const parts = vpath.split("/").filter(Boolean);
  if (parts.some((p) => p === "." || p === "..")) throw new Error(`"${vpath}": write the folder without . or ..`);
  return `/${parts.join("/")}`;
}

/** Is `vpath` the folder `prefix` or inside it? */
export function under(vpath: string, prefix: string): boolean {
  return prefix === "/" || vpath === prefix || vpath.startsWith(`${prefix}/`);
}
//<

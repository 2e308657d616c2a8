// A named user: a wrong password is refused (530), the right one accepted (230), and an
// upload is refused (550) because anna's permissions (elr) allow only reading.
import { defineScenario } from "../scenario.ts";

export default defineScenario({
  title: "named user: wrong password 530, right password 230, STOR refused 550 (permissions elr)",
  since: 1,
  server: {
    files: { "anna/report.txt": "Quarterly report\n" },
    args: (root) => ["--user", `anna:s3cret:elr:${root.path("anna")}`, "--auth-failed-delay", "0"],
  },
  async run({ connect, note }) {
    const ftp = await connect();
    await ftp.sendExpect("USER anna", 331);
    await ftp.sendExpect("PASS wrong", 530);
    await ftp.sendExpect("USER anna", 331);
    await ftp.sendExpect("PASS s3cret", 230);
    note("anna's permissions are elr: change folder, list, read; no w (upload)", "server");
    await ftp.sendExpect("STOR upload.txt", 550);
    await ftp.quit();
  },
});

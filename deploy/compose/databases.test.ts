/**
 * MySQL in docker-compose.yml: the init script (deploy/mysql/init/) creates one database and user
 * per service, each password has one source, and mysql-databases applies the same script, run
 * here with stand-ins for the mysql client.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "@hangout/platform/testing/repository";
import { resolveComposeVars, services } from "./compose.ts";

describe("docker-compose.yml", () => {
  const DB_PASSWORDS = {
    AUTH_DB_PASSWORD: "it's\\x",
    FILE_DB_PASSWORD: "file-pw",
    HANGOUT_DB_PASSWORD: "hangout-pw",
    NOTIFICATION_DB_PASSWORD: "notification-pw",
  };

  test("MySQL init script creates one database and user per service, quoting the password", () => {
    const script = join(ROOT, "deploy/mysql/init/10-databases.sh");
    const proc = Bun.spawnSync(
      ["bash", "-c", `docker_process_sql() { echo "ARGS $*"; cat; }; source "${script}"`],
      {
        env: { PATH: process.env.PATH ?? "", ...DB_PASSWORDS },
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    const out = proc.stdout.toString();
    expect(proc.exitCode).toBe(0);
    expect(out).toContain("CREATE DATABASE IF NOT EXISTS `auth`");
    expect(out).toContain("CREATE USER IF NOT EXISTS 'auth'@'%' IDENTIFIED BY 'it''s\\\\x';");
    expect(out).toContain("GRANT ALL PRIVILEGES ON `auth`.* TO 'auth'@'%';");
    for (const name of ["file", "hangout", "notification"]) {
      expect(out).toContain(`CREATE DATABASE IF NOT EXISTS \`${name}\``);
      expect(out).toContain(`CREATE USER IF NOT EXISTS '${name}'@'%' IDENTIFIED BY '${name}-pw';`);
      expect(out).toContain(`GRANT ALL PRIVILEGES ON \`${name}\`.* TO '${name}'@'%';`);
    }
    for (const unset of Object.keys(DB_PASSWORDS)) {
      const env: Record<string, string> = { PATH: process.env.PATH ?? "", ...DB_PASSWORDS };
      delete env[unset];
      const missing = Bun.spawnSync(
        ["bash", "-c", `docker_process_sql() { cat; }; source "${script}"`],
        { env, stdout: "pipe", stderr: "pipe" },
      );
      expect({ unset, exitCode: missing.exitCode }).toEqual({ unset, exitCode: 1 });
    }
  });

  test("every database password has one source: MySQL, mysql-databases and the service URLs", () => {
    expect(services["mysql-databases"].environment).toEqual(services.mysql.environment);
    const env = services.mysql.environment;
    expect(resolveComposeVars(env.FILE_DB_PASSWORD)).toBe("file-dev-password");
    expect(resolveComposeVars(services.file.environment.FILE_DATABASE_URL)).toBe(
      "mysql://file:file-dev-password@mysql:3306/file",
    );
    expect(services["file-migrate"].environment.FILE_DATABASE_URL).toBe(
      services.file.environment.FILE_DATABASE_URL,
    );
    expect(resolveComposeVars(env.HANGOUT_DB_PASSWORD)).toBe("hangout-dev-password");
    expect(resolveComposeVars(services.hangout.environment.HANGOUT_DATABASE_URL)).toBe(
      "mysql://hangout:hangout-dev-password@mysql:3306/hangout",
    );
    expect(services["hangout-migrate"].environment.HANGOUT_DATABASE_URL).toBe(
      services.hangout.environment.HANGOUT_DATABASE_URL,
    );
    expect(resolveComposeVars(env.NOTIFICATION_DB_PASSWORD)).toBe("notification-dev-password");
    expect(resolveComposeVars(services.notification.environment.NOTIFICATION_DATABASE_URL)).toBe(
      "mysql://notification:notification-dev-password@mysql:3306/notification",
    );
    expect(services["notification-migrate"].environment.NOTIFICATION_DATABASE_URL).toBe(
      services.notification.environment.NOTIFICATION_DATABASE_URL,
    );
  });

  test("mysql-databases applies the same script as root over TCP, the password not in argv", () => {
    const job = services["mysql-databases"];
    const mount = (job.volumes as string[]).find((v) => v.startsWith("./deploy/mysql/init:"))!;
    const target = mount.split(":")[1]!;
    expect(mount).toBe(`./deploy/mysql/init:${target}:ro`);
    expect(job.image).toBe(services.mysql.image);
    expect(job.entrypoint.slice(0, 2)).toEqual(["bash", "-c"]);
    const scriptText = resolveComposeVars(job.entrypoint[2]).replaceAll(
      target,
      join(ROOT, "deploy/mysql/init"),
    );
    // A stand-in `mysql` client that records its arguments, its option file and its input.
    const dir = mkdtempSync(join(tmpdir(), "mysql-databases-"));
    try {
      const log = join(dir, "calls.log");
      writeFileSync(
        join(dir, "mysql"),
        `#!/bin/bash\n{ echo "ARGV $*"; cat "\${1#--defaults-extra-file=}"; cat; } >> "${log}"\n`,
      );
      chmodSync(join(dir, "mysql"), 0o755);
      const proc = Bun.spawnSync(["bash", "-c", scriptText], {
        env: {
          PATH: `${dir}:${process.env.PATH ?? ""}`,
          MYSQL_ROOT_PASSWORD: "root-pw",
          ...DB_PASSWORDS,
        },
        stdout: "pipe",
        stderr: "pipe",
      });
      expect(proc.stderr.toString()).toBe("");
      expect(proc.exitCode).toBe(0);
      const calls = readFileSync(log, "utf8");
      const argvLines = calls.split("\n").filter((l) => l.startsWith("ARGV "));
      expect(argvLines).toHaveLength(4);
      for (const line of argvLines) {
        expect(line).toMatch(/^ARGV --defaults-extra-file=\S+ --protocol=tcp -h mysql -uroot /);
        expect(line).not.toContain("root-pw");
      }
      expect(calls).toContain('password="root-pw"');
      for (const name of ["auth", "file", "hangout", "notification"])
        expect(calls).toContain(`CREATE USER IF NOT EXISTS '${name}'@'%'`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

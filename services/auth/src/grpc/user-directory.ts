import type { UserDirectoryServiceImplementation } from "@hangout/proto/auth/v1/user_directory";
import { ServerError, Status } from "nice-grpc";
import type { Profile, UsersRepository } from "../repositories/users.ts";
import { normalizeEmail } from "../services/accounts.ts";

const MAX_BATCH = 100;

function checkBatch(field: string, values: string[]) {
  if (values.length > MAX_BATCH) {
    throw new ServerError(Status.INVALID_ARGUMENT, `${field}: at most ${MAX_BATCH} per call`);
  }
  if (values.some((v) => !v || v.length > 254)) {
    throw new ServerError(
      Status.INVALID_ARGUMENT,
      `${field}: every entry must be 1-254 characters`,
    );
  }
}

const toMessage = (user: Profile) => ({
  id: user.id,
  email: user.email,
  name: user.name,
  createdAt: user.createdAt,
});

/** auth.v1.UserDirectory: batched lookups for other services; unknown entries are absent. */
export function userDirectory(users: UsersRepository): UserDirectoryServiceImplementation {
  return {
    async getUsersByIds({ ids }) {
      checkBatch("ids", ids);
      return { users: (await users.findByIds([...new Set(ids)])).map(toMessage) };
    },
    async getUsersByEmails({ emails }) {
      checkBatch("emails", emails);
      const normalized = [...new Set(emails.map(normalizeEmail))];
      return { users: (await users.findByEmails(normalized)).map(toMessage) };
    },
  };
}

import { createEvent } from "@hangout/events/create";
import { mysqlErrorCode } from "@hangout/platform/db";
import { AppError } from "@hangout/platform/errors";
import { currentTraceparent } from "@hangout/platform/outbox/trace-context";
import type { Profile, User, UsersRepository } from "../repositories/users.ts";
import type { AccessTokens } from "./access-tokens.ts";
import type { LoginThrottle } from "./login-throttle.ts";
import type { PasswordHasher } from "./passwords.ts";
import type { Sessions } from "./sessions.ts";

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

export interface TokenGrant {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  user: Profile;
}

const badCredentials = () => new AppError("unauthorized", "The email or password is wrong");

/** Sign-up, login, refresh and logout: the account logic behind the routes. */
export function createAccounts(deps: {
  users: UsersRepository;
  passwords: PasswordHasher;
  throttle: LoginThrottle;
  sessions: Sessions;
  tokens: AccessTokens;
  clock: () => Date;
}) {
  const { users, passwords, throttle, sessions, tokens, clock } = deps;

  // Login hands over the whole row; the grant keeps the profile only, never the hash.
  const grant = async (user: Profile, refreshToken: string): Promise<TokenGrant> => ({
    accessToken: await tokens.sign(user.id),
    expiresIn: tokens.ttlSeconds,
    refreshToken,
    user: { id: user.id, email: user.email, name: user.name, createdAt: user.createdAt },
  });

  return {
    async signup(input: { email: string; password: string; name: string }): Promise<User> {
      const now = clock();
      const user: User = {
        id: Bun.randomUUIDv7(),
        email: normalizeEmail(input.email),
        name: input.name.trim(),
        passwordHash: await passwords.hash(input.password),
        createdAt: now,
        updatedAt: now,
      };
      // Only the id travels: the contract keeps emails out of events, consumers look users up.
      const signedUp = createEvent(
        "dev.hangout-planner.user.signed-up.v1",
        { userId: user.id },
        { time: now, traceparent: currentTraceparent() },
      );
      try {
        await users.insert(user, [signedUp]);
      } catch (error) {
        if (mysqlErrorCode(error) === "ER_DUP_ENTRY") {
          throw new AppError("conflict", "An account with this email already exists");
        }
        throw error;
      }
      return user;
    },

    async login(input: { email: string; password: string }, address: string | undefined) {
      const account = normalizeEmail(input.email);
      await throttle.assertAllowed(account, address);
      // The database compares emails loosely (it ignores some characters, folds accents): only
      // the exact address logs in, so a look-alike spelling can neither log in nor dodge a lock.
      const found = await users.findByEmail(account);
      const user = found?.email === account ? found : undefined;
      const ok = user
        ? await passwords.verify(input.password, user.passwordHash)
        : await passwords.verifyDecoy(input.password);
      if (!user || !ok) {
        await throttle.recordFailure(account, address);
        throw badCredentials();
      }
      await throttle.recordSuccess(account, address);
      return grant(user, await sessions.start(user.id));
    },

    async refresh(refreshToken: string): Promise<TokenGrant> {
      const { userId, token } = await sessions.rotate(refreshToken);
      const user = await users.findById(userId);
      if (!user) throw new AppError("unauthorized", "The account no longer exists");
      return grant(user, token);
    },

    logout: (refreshToken: string, userId: string) => sessions.end(refreshToken, userId),

    async me(accessToken: string): Promise<Profile> {
      const { sub } = await tokens.verify(accessToken);
      const user = await users.findById(sub);
      if (!user) throw new AppError("unauthorized", "The account no longer exists");
      return user;
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;

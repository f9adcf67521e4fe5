import type { Store } from "../store/store.ts";

/** What fixtures/small.ts provides. */
export interface SmallFixture {
  buildFixture(store: Store): Promise<void>;
  FIXTURE_USERS: { sysop: { name: string; password: string } };
}

/**
 * Loads the small fixture only when `seed --fixture small` or `demo` asks for it: fixtures/
 * is test data (it builds on tools/base_system.ts), so no static import puts it on the
 * path of `serve` or `pull`.
 */
export async function loadFixture(): Promise<SmallFixture> {
  return await import("../../fixtures/small.ts");
}

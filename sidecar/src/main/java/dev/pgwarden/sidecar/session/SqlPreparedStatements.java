package dev.pgwarden.sidecar.session;

import dev.pgwarden.api.v1alpha1.StatementKind;
import dev.pgwarden.sidecar.sql.Classification;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The SQL-level prepared statements of a session (PREPARE name AS ...), so that EXECUTE is judged
 * by the body it runs. Updated as each statement is decided (so an EXECUTE after a PREPARE in the
 * same Query sees it), not when the server confirms it: every body ever prepared under a name
 * counts until that name is deallocated, because a PREPARE may fail or be refused (the name
 * already exists, the transaction is aborted) and the proxy must never judge EXECUTE by a body the
 * server does not have. A deallocation forgets the name at once; if it fails or is refused,
 * EXECUTE of that name becomes "not seen" and goes to onUnparseable, which is never Allow. Both
 * errors are on the strict side.
 */
final class SqlPreparedStatements {
  private final Map<String, List<Classification>> bodies = new HashMap<>();

  List<Classification> bodies(String name) {
    return bodies.getOrDefault(name, List.of());
  }

  /** Takes note of a statement about to run. */
  void apply(Classification c) {
    String setting = c.setting();
    if (setting == null) {
      return;
    }
    if (setting.startsWith("deallocate ")) {
      String name = setting.substring("deallocate ".length());
      if (name.equals("all")) {
        bodies.clear();
      } else {
        bodies.remove(name);
      }
    } else if (c.kind() == StatementKind.PREPARE) {
      bodies.computeIfAbsent(setting, n -> new ArrayList<>(1)).add(c);
    } else if (c.kind() == StatementKind.SET && setting.equals("all")) {
      // DISCARD ALL deallocates everything. RESET ALL reads the same and does not, but forgetting
      // is the safe side: an EXECUTE of a forgotten name goes to onUnparseable.
      bodies.clear();
    }
  }
}

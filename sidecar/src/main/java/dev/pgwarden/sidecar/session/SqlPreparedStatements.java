package dev.pgwarden.sidecar.session;

import dev.pgwarden.api.v1alpha1.StatementKind;
import dev.pgwarden.sidecar.sql.Classification;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The SQL-level prepared statements of a session (PREPARE name AS ...), so that EXECUTE is judged
 * by the body it runs. Updated when a statement is let through, not when the server confirms it:
 * every body ever prepared under a name counts until that name is deallocated, because a PREPARE
 * may fail (the name already exists, the transaction is aborted) and the proxy must never judge
 * EXECUTE by a body the server does not have. A deallocation forgets the name at once; if it
 * fails on the server, EXECUTE of that name becomes "not seen" and goes to onUnparseable.
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

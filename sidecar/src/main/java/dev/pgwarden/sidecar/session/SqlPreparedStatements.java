package dev.pgwarden.sidecar.session;

import dev.pgwarden.api.v1alpha1.StatementKind;
import dev.pgwarden.sidecar.sql.Classification;
import dev.pgwarden.sidecar.sql.Target;
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
    Target target = c.target();
    if (target instanceof Target.Deallocate d) {
      if (d.all()) {
        bodies.clear();
      } else {
        bodies.remove(d.name());
      }
    } else if (target instanceof Target.Prepare p) {
      bodies.computeIfAbsent(p.name(), n -> new ArrayList<>(1)).add(c);
    } else if (target instanceof Target.Discard d && d.all()
        || c.kind() == StatementKind.SET && target instanceof Target.Setting s && s.all()) {
      // DISCARD ALL deallocates everything. RESET ALL does not, but forgetting is the safe side:
      // an EXECUTE of a forgotten name goes to onUnparseable.
      bodies.clear();
    }
  }
}

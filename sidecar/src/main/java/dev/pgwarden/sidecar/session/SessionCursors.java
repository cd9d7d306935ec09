package dev.pgwarden.sidecar.session;

import dev.pgwarden.sidecar.masking.plan.MaskPlan;
import dev.pgwarden.sidecar.sql.Target;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * How the rows of each cursor a session declared are masked: FETCH returns what DECLARE's query
 * would. A name declared again while pgwarden still knows it (the second DECLARE fails while the
 * first is open, or succeeds after it closed: pgwarden cannot tell) gets the worst of both. A
 * cursor is forgotten only when the server confirms its CLOSE.
 */
final class SessionCursors {
  private final Map<String, MaskPlan> plans = new HashMap<>();

  Map<String, MaskPlan> plans() {
    return plans;
  }

  void declared(String name, MaskPlan plan, Supplier<MaskPlan> untraceable) {
    plans.merge(name, plan, (old, now) -> old.equals(now) ? old : untraceable.get());
  }

  /** @param target the CLOSE statement's target (a statement of another kind changes nothing) */
  void closed(Target target) {
    if (!(target instanceof Target.CloseCursor close)) {
      return;
    }
    if (close.all()) {
      plans.clear();
    } else {
      plans.remove(close.name());
    }
  }
}

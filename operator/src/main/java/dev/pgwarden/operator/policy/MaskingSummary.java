package dev.pgwarden.operator.policy;

import dev.pgwarden.database.masking.MaskingReport;
import java.util.List;

/** What masking did in a policy's database, in the words of its status and Events. */
final class MaskingSummary {
    /** Relations a message names before it says how many more there are. */
    private static final int SHOWN = 10;

    private MaskingSummary() {}

    /** For the Ready condition: what the database masks now, or nothing when it masks nothing. */
    static String inForce(MaskingReport masking) {
        if (masking.governed().isEmpty()) {
            return "";
        }
        return "; the database masks " + relations(masking) + " for the group (sessions search "
                + masking.searchPathSetting() + ")";
    }

    /** For the Event of an apply that changed masking. */
    static String changed(MaskingReport masking) {
        String what = masking.governed().isEmpty()
                ? "masking removed: no relation is masked in the database any more"
                : "masking applied: the database masks " + relations(masking) + ", read through the views of "
                        + masking.searchPathSetting();
        return what + " (" + masking.changes().size() + " statement"
                + (masking.changes().size() == 1 ? "" : "s") + ")";
    }

    private static String relations(MaskingReport masking) {
        List<String> sorted = masking.governed().stream().sorted().toList();
        return String.join(", ", sorted.subList(0, Math.min(SHOWN, sorted.size())))
                + (sorted.size() > SHOWN ? " and " + (sorted.size() - SHOWN) + " more" : "");
    }
}

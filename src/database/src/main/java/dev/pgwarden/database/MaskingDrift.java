package dev.pgwarden.database;

import dev.pgwarden.database.masking.MaskingProblem;
import dev.pgwarden.database.masking.MaskingReport;
import java.util.ArrayList;
import java.util.List;

/** Masking's problems and withheld views, as the drift {@link Applied} reports next to the grants'. */
final class MaskingDrift {
    private MaskingDrift() {}

    /** @param admin the admin role, who runs a fix that names no other role */
    static List<PrivilegeDrift> of(MaskingReport report, String admin) {
        List<PrivilegeDrift> out = new ArrayList<>();
        for (MaskingProblem p : report.problems()) {
            String statement = p.sql().orElse("");
            out.add(new PrivilegeDrift(
                    PrivilegeDrift.Kind.MASKING,
                    p.message(),
                    statement.isEmpty() ? "" : p.runAs().orElse(admin),
                    statement));
        }
        for (String view : report.withheld()) {
            out.add(new PrivilegeDrift(
                    PrivilegeDrift.Kind.WITHHELD_VIEW,
                    view + " reads a masked table as its owner, so"
                            + " the agent's group holds no privilege on it; name its columns in a masking rule to let the agent read"
                            + " it masked",
                    "",
                    ""));
        }
        return out;
    }
}

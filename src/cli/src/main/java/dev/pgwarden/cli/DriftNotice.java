package dev.pgwarden.cli;

import dev.pgwarden.database.PrivilegeDrift;
import dev.pgwarden.database.RoleNames;
import dev.pgwarden.database.masking.MaskingReport;
import java.io.PrintStream;
import java.util.List;

/**
 * What local mode says on stderr where the database does not match the policy, as the operator's
 * Degraded condition does: masking that could not be made (the proxy still masks, but the database
 * wall is missing there) first, then privileges the admin cannot change, each with its fix. Said
 * again only when it changes, so a rotation every few minutes does not repeat it.
 */
final class DriftNotice {
    private final RoleNames names;
    private final PrintStream log;
    private List<PrivilegeDrift> last = List.of();

    DriftNotice(RoleNames names, PrintStream log) {
        this.names = names;
        this.log = log;
    }

    /** The end of the start-up line: what the database masks, or nothing when it masks nothing. */
    static String inForce(MaskingReport masking) {
        if (masking.governed().isEmpty()) {
            return "";
        }
        return "; the database masks "
                + String.join(", ", masking.governed().stream().sorted().toList()) + " for it (sessions search "
                + masking.searchPathSetting() + ")";
    }

    void report(List<PrivilegeDrift> drift) {
        if (drift.equals(last)) {
            return;
        }
        last = List.copyOf(drift);
        if (drift.isEmpty()) {
            log.println("pgwarden: the group " + names.group() + " matches the policy again");
            return;
        }
        List<PrivilegeDrift> masking =
                drift.stream().filter(d -> d.kind().masking()).toList();
        List<PrivilegeDrift> grants =
                drift.stream().filter(d -> !d.kind().masking()).toList();
        if (!masking.isEmpty()) {
            log.println("pgwarden: DEGRADED: masking for group " + names.group() + " is not what the policy says;"
                    + " only the proxy masks there:");
            masking.forEach(d -> log.println("  - " + d));
        }
        if (!grants.isEmpty()) {
            log.println("pgwarden: DEGRADED: the privileges of group " + names.group() + " differ from the policy where"
                    + " the admin role cannot change them:");
            grants.forEach(d -> log.println("  - " + d));
        }
    }
}

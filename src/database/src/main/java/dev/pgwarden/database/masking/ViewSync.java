package dev.pgwarden.database.masking;

import dev.pgwarden.database.sql.Sql;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * Makes one masking view match its definition: created when missing, replaced only when its
 * comment's fingerprints show that the definition pgwarden would write or the catalog's rendering
 * of the view (a column renamed, a hand edit) changed. CREATE OR REPLACE keeps the view's grants
 * and whatever depends on it; where PostgreSQL refuses it (a column renamed or retyped), the view
 * is dropped and made again, and where that fails too (someone made an object depend on it) the
 * old view stays and the failure is reported.
 */
final class ViewSync {
    private final Changes changes;
    private final Privileges privileges;
    private final List<MaskingProblem> problems;

    ViewSync(Changes changes, Privileges privileges, List<MaskingProblem> problems) {
        this.changes = changes;
        this.privileges = privileges;
        this.problems = problems;
    }

    void ensure(ViewDefinition view, Optional<MaskingObjects.View> existing) throws SQLException {
        String definition = view.fingerprint();
        String source = view.table().qualified();
        if (existing.isPresent()) {
            MaskingObjects.View current = existing.get();
            if (current.comment().equals(ViewDefinition.comment(source, definition, current.catalogFingerprint()))) {
                privileges.view(view.qualified(), current.held());
                return;
            }
            if (changes.attempt(() -> write(view, view.createOrReplace(), source, definition)) == null) {
                privileges.view(view.qualified(), current.held());
                return;
            }
        }
        SQLException failed = changes.attempt(() -> {
            if (existing.isPresent()) {
                changes.run("DROP VIEW " + view.qualified());
            }
            write(view, view.create(), source, definition);
        });
        if (failed == null) {
            privileges.view(view.qualified(), "");
            return;
        }
        problems.add(MaskingProblem.of(
                source,
                "the masking view " + view.qualified() + " of " + source + " could not be "
                        + (existing.isPresent()
                                ? "replaced, so it still shows the table as it was: "
                                : "made, so the agent reads only" + " the table's unmasked columns: ")
                        + failed.getMessage(),
                "DROP VIEW " + view.qualified()
                        + " CASCADE (it drops what depends on it; pgwarden makes the view again)"));
    }

    /** Drops a view no rule asks for; false (and a problem) when something depends on it. */
    boolean drop(MaskingObjects.View view) throws SQLException {
        SQLException failed = changes.attempt(() -> changes.run("DROP VIEW " + view.qualified()));
        if (failed != null) {
            problems.add(MaskingProblem.of(
                    view.qualified(),
                    "the masking view " + view.qualified() + " is no longer needed"
                            + " but could not be dropped, and the table it masked stays restricted: "
                            + failed.getMessage(),
                    "DROP VIEW " + view.qualified() + " CASCADE"));
            return false;
        }
        return true;
    }

    private void write(ViewDefinition view, String ddl, String source, String definition) throws SQLException {
        changes.run(ddl);
        String catalog = MaskingObjects.catalogFingerprint(changes.connection(), view.qualified());
        changes.run("COMMENT ON VIEW " + view.qualified() + " IS "
                + Sql.literal(ViewDefinition.comment(source, definition, catalog)));
    }
}

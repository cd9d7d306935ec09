package dev.pgwarden.testkit.skips;

import java.util.List;
import java.util.function.BooleanSupplier;
import org.testcontainers.DockerClientFactory;

/**
 * The only tests that may skip, each with the reason and the condition under which it may. Every
 * other skip fails the run (see {@link SkipGuard}); add to this list only what a machine cannot
 * provide at all, never a tool that CI could install (.ci/run installs those).
 */
final class AllowList {
    /**
     * @param className a test class, by name: it lives in a module the testkit does not see. A class
     *     that is renamed or moved stops matching, and its skip then fails the run (the safe side).
     * @param allowedNow asked only when that class skipped
     */
    record Entry(String className, String why, BooleanSupplier allowedNow) {}

    static final AllowList DEFAULT = new AllowList(List.of(
            // K3s runs in a container, and @Testcontainers(disabledWithoutDocker = true) disables the test
            // where no Docker engine answers (as on the machines DESIGN.md describes). Where one answers,
            // the test must run: its skip then fails the run like any other.
            new Entry(
                    "dev.pgwarden.operator.e2e.K3sEndToEndTest",
                    "needs a Docker engine to run K3s in",
                    AllowList::noDockerEngine)));

    private final List<Entry> entries;

    AllowList(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    List<Entry> entries() {
        return entries;
    }

    boolean allows(Skip skip) {
        return entries.stream()
                .anyMatch(e ->
                        e.className().equals(skip.className()) && e.allowedNow().getAsBoolean());
    }

    /**
     * Asks Testcontainers, whose answer disabled the test, so the two cannot disagree. Testcontainers
     * is on the class path of the module that holds the test; anywhere else nothing may skip.
     */
    static boolean noDockerEngine() {
        try {
            return !DockerClientFactory.instance().isDockerAvailable();
        } catch (LinkageError noTestcontainers) {
            return false;
        }
    }
}

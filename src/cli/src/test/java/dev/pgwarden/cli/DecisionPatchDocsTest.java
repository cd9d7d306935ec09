package dev.pgwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.cluster.DecisionPatch;
import dev.pgwarden.api.v1alpha1.Decision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The raw {@code kubectl patch} that the docs show reviewers is the patch {@code kubectl pgwarden
 * approve} sends: both come from {@link DecisionPatch}, and the docs are checked against it.
 */
class DecisionPatchDocsTest {
    private static final Path ROOT = Path.of("../..").toAbsolutePath().normalize();
    private static final String APPROVE = DecisionPatch.kubectlCommand("agents", "NAME", Decision.Approved, null);

    @Test
    void theDocsShowThePatchThePluginSends() throws IOException {
        for (String doc :
                new String[] {"README.md", "config/samples/README.md", "charts/pgwarden/templates/NOTES.txt"}) {
            assertThat(Files.readString(ROOT.resolve(doc))).as(doc).contains(APPROVE);
        }
    }
}

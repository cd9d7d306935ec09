package dev.pgwarden.api.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The checked-in crds/ must be what the build generates from the Java types, so that a manifest
 * reviewed in git is the one that gets applied. Set PGWARDEN_UPDATE_CRDS=1 to rewrite them.
 */
class CrdsAreCurrentTest {
    @Test
    void checkedInCrdsMatchTheGeneratedOnes() throws IOException {
        Path generated = Path.of(System.getProperty("pgwarden.crds.generated"));
        Path checkedIn = Path.of(System.getProperty("pgwarden.crds.checkedIn"));
        List<Path> files;
        try (Stream<Path> s = Files.list(generated)) {
            files = s.filter(p -> p.toString().endsWith(".yml")).sorted().toList();
        }
        assertThat(files).as("generated CRDs").hasSize(2);
        boolean update = "1".equals(System.getenv("PGWARDEN_UPDATE_CRDS"));
        for (Path g : files) {
            Path c = checkedIn.resolve(g.getFileName());
            if (update) {
                Files.copy(g, c, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                continue;
            }
            assertThat(c)
                    .as("%s is missing: run PGWARDEN_UPDATE_CRDS=1 ./mvnw -pl src/api test", c)
                    .exists();
            assertThat(Files.readString(c))
                    .as("%s is stale: run PGWARDEN_UPDATE_CRDS=1 ./mvnw -pl src/api test and commit crds/", c)
                    .isEqualTo(Files.readString(g));
        }
        try (Stream<Path> s = Files.list(checkedIn)) {
            assertThat(s.map(p -> p.getFileName().toString()).sorted().toList())
                    .as("crds/ holds exactly the generated files")
                    .containsExactlyElementsOf(
                            files.stream().map(p -> p.getFileName().toString()).toList());
        }
    }
}

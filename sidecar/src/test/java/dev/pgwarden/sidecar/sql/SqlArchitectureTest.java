package dev.pgwarden.sidecar.sql;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The shape of the statement layer: the SQL reading (sql), the policy's decisions (policy) and
 * masking are plain Java that never touches a Netty channel, sql stands on its own, and no two of
 * their packages depend on each other both ways.
 */
@AnalyzeClasses(
        packages = {"dev.pgwarden.sidecar.sql", "dev.pgwarden.sidecar.policy", "dev.pgwarden.sidecar.masking"},
        importOptions = ImportOption.DoNotIncludeTests.class)
class SqlArchitectureTest {
    private static final String[] PACKAGES = {"sql", "policy", "masking"};

    @ArchTest
    static final ArchRule noNettyChannels = noClasses()
            .that()
            .resideInAnyPackage(
                    "dev.pgwarden.sidecar.sql..", "dev.pgwarden.sidecar.policy..", "dev.pgwarden.sidecar.masking..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("io.netty.channel..")
            .because("channels belong to the session; these packages decide and rewrite, they do not do I/O");

    @ArchTest
    static final ArchRule sqlStandsAlone = noClasses()
            .that()
            .resideInAPackage("dev.pgwarden.sidecar.sql..")
            .should()
            .dependOnClassesThat(resideInAPackage("dev.pgwarden.sidecar..")
                    .and(resideOutsideOfPackage("dev.pgwarden.sidecar.sql..")))
            .because("policy, masking and the session read the SQL layer, never the other way round");

    @ArchTest
    static final ArchRule noCycles =
            slices().matching("dev.pgwarden.sidecar.(**)").should().beFreeOfCycles();

    @ArchTest
    static void noClassOver400Lines(com.tngtech.archunit.core.domain.JavaClasses ignored) throws IOException {
        List<String> tooLong = new ArrayList<>();
        for (String pkg : PACKAGES) {
            Path dir = Path.of("src/main/java/dev/pgwarden/sidecar", pkg);
            assertThat(dir).as("run from the sidecar module").isDirectory();
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    long lines;
                    try (Stream<String> l = Files.lines(f)) {
                        lines = l.count();
                    }
                    if (lines > 400) {
                        tooLong.add(f + ": " + lines + " lines");
                    }
                }
            }
        }
        assertThat(tooLong).as("classes over 400 lines").isEmpty();
    }
}

package dev.pgwarden.operator;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.pgwarden.testkit.ClassSize;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The operator's shape, as rules the build checks. */
class ArchitectureTest {
    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages("dev.pgwarden.operator");
    }

    @Test
    void importedTheOperator() {
        assertThat(main.contain(OperatorMain.class))
                .as("the rules below see the operator's classes")
                .isTrue();
    }

    /** Every package is a slice, the operator's root package included. */
    @Test
    void packagesHaveNoCycles() {
        slices().matching("dev.pgwarden.(**)").should().beFreeOfCycles().check(main);
    }

    /** The end-to-end tests run the real sidecar; the operator itself shares only src/api and src/database with it. */
    @Test
    void mainCodeNeverUsesTheSidecar() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.pgwarden.sidecar..")
                .check(main);
    }

    @Test
    void noMainClassIsOver400Lines() throws IOException {
        assertThat(ClassSize.tooLongInMain())
                .as("classes over " + ClassSize.MAX_LINES + " lines")
                .isEmpty();
    }
}

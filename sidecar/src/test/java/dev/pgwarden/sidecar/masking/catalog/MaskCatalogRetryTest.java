package dev.pgwarden.sidecar.masking.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/**
 * Which failures of a catalog read are read again: only PostgreSQL's internal errors for a
 * relation dropped while the read ran; a refused connection, a permission error or anything else
 * fails the read (and the statements waiting for it are refused).
 */
class MaskCatalogRetryTest {
    @Test
    void aRelationDroppedWhileTheReadRanIsReadAgain() {
        assertThat(MaskCatalog.droppedMeanwhile(
                        new SQLException("ERROR: could not open relation with OID 16477", "XX000")))
                .isTrue();
        assertThat(MaskCatalog.droppedMeanwhile(
                        new SQLException("ERROR: cache lookup failed for relation 16477", "XX000")))
                .isTrue();
    }

    @Test
    void otherFailuresAreNot() {
        assertThat(MaskCatalog.droppedMeanwhile(new SQLException("permission denied for table t", "42501")))
                .isFalse();
        assertThat(MaskCatalog.droppedMeanwhile(new SQLException("Connection refused", "08001")))
                .isFalse();
        assertThat(MaskCatalog.droppedMeanwhile(new SQLException("ERROR: out of memory", "XX000")))
                .isFalse();
        assertThat(MaskCatalog.droppedMeanwhile(new SQLException((String) null, "XX000")))
                .isFalse();
    }
}

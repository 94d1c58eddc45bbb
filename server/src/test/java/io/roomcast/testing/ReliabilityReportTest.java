package io.roomcast.testing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The report keeps a fuller document when a run of selected tests recorded fewer rows. */
class ReliabilityReportTest {
    @TempDir
    Path tmp;

    private void row(Path dir, String name) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(name + ".json"), "{\"category\":\"Malformed input\",\"fault\":\"" + name
                + "\",\"node\":\"refused\",\"others\":\"nothing\",\"lost\":\"nothing\",\"test\":\"T\"}");
    }

    @Test
    void aPartialRunLeavesTheFullDocumentAndWritesItsOwnBeside() throws Exception {
        Path doc = tmp.resolve("docs/reliability.md");
        Path full = tmp.resolve("full/reliability");
        row(full, "a");
        row(full, "b");
        row(full, "c");
        ReliabilityReport.main(new String[] {full.toString(), doc.toString()});
        assertThat(ReliabilityReport.rowsIn(doc)).isEqualTo(3);

        Path partial = tmp.resolve("partial/reliability");
        row(partial, "b");
        ReliabilityReport.main(new String[] {partial.toString(), doc.toString()});
        assertThat(ReliabilityReport.rowsIn(doc)).as("the full document stays").isEqualTo(3);
        assertThat(Files.readString(tmp.resolve("partial/reliability.md"))).contains("1 rows.");

        System.setProperty("reliability.replace", "true");
        try {
            ReliabilityReport.main(new String[] {partial.toString(), doc.toString()});
        } finally {
            System.clearProperty("reliability.replace");
        }
        assertThat(ReliabilityReport.rowsIn(doc)).as("replaced when asked").isEqualTo(1);
    }
}

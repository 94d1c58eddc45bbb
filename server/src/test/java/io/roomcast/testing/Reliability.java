package io.roomcast.testing;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Rows of {@code docs/reliability.md}: a test that tried a bad input or a fault records what happened, after
 * its assertions passed, so a row exists only for behaviour a passing test showed. One file per row under
 * {@code target/reliability/}; {@link ReliabilityReport} turns them into the document after the test run.
 */
public final class Reliability {
    static final Path DIR = Path.of(System.getProperty("roomcast.reliability.dir", "target/reliability"));
    private static final ObjectMapper JSON = new ObjectMapper();

    private Reliability() {
    }

    /**
     * @param category  the table the row goes in, such as "Malformed frames" or "Abuse limits"
     * @param fault     what was tried
     * @param nodeDid   what the node did about it
     * @param othersSaw what the other clients saw
     * @param lost      what was lost, if anything
     * @param test      the test that showed it
     */
    public static void record(String category, String fault, String nodeDid, String othersSaw, String lost,
                              String test) {
        Map<String, String> row = new LinkedHashMap<>();
        row.put("category", category);
        row.put("fault", fault);
        row.put("node", nodeDid);
        row.put("others", othersSaw);
        row.put("lost", lost);
        row.put("test", test);
        try {
            Files.createDirectories(DIR);
            String id = (category + "-" + fault).toLowerCase().replaceAll("[^a-z0-9]+", "-");
            id = id.substring(0, Math.min(id.length(), 100)); // a row's file name; the fault text stays whole
            JSON.writerWithDefaultPrettyPrinter().writeValue(DIR.resolve(id + ".json").toFile(), row);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

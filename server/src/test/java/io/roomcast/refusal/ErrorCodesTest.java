package io.roomcast.refusal;

import io.roomcast.refusal.Refusal.Code;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's error-code table is {@link Code}: the same codes, each with its HTTP status. */
class ErrorCodesTest {
    private static final Pattern ROW = Pattern.compile("^\\| `([a-z-]+)` \\|.*\\| ([^|]+) \\| ([^|]+) \\|$");

    /** code -> the HTTP column, from the README's "Error codes" table. */
    private static Map<String, String> documented() throws Exception {
        List<String> lines = Files.readAllLines(Path.of(System.getProperty("roomcast.readme", "../README.md")));
        int start = lines.indexOf("## Error codes");
        assertThat(start).as("the README has an Error codes section").isNotNegative();
        Map<String, String> table = new LinkedHashMap<>();
        for (String line : lines.subList(start + 1, lines.size())) {
            if (line.startsWith("## ")) {
                break;
            }
            Matcher m = ROW.matcher(line);
            if (m.matches()) {
                assertThat(table.put(m.group(1), m.group(3).trim())).as("a second row for %s", m.group(1)).isNull();
            }
        }
        return table;
    }

    @Test
    void theReadmeTableListsEveryCodeOnceAndNothingElse() throws Exception {
        assertThat(documented().keySet())
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(Code.values()).map(Code::code).toList());
    }

    @Test
    void eachCodesHttpStatusIsTheDocumentedOne() throws Exception {
        documented().forEach((code, http) -> {
            Code c = Code.of(code).orElseThrow();
            assertThat(http).as(code).isEqualTo(c.httpStatus() == 0 ? "–" : Integer.toString(c.httpStatus()));
        });
    }

    @Test
    void codesAreLowerCaseWithDashes() {
        assertThat(Code.RECIPIENT_NOT_IN_ROOM.code()).isEqualTo("recipient-not-in-room");
        assertThat(new Refusal(Code.NOT_A_MEMBER, "x").httpStatus()).as("a STOMP-only code reaching HTTP")
                .isEqualTo(500);
        assertThat(new Refusal(Code.TOO_LARGE, "x").httpStatus()).isEqualTo(413);
    }
}

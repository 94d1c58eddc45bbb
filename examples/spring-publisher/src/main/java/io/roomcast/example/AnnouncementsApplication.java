package io.roomcast.example;

import io.roomcast.bus.Position;
import io.roomcast.client.RoomcastPublisher;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import java.util.Map;

/**
 * A backend that announces into Roomcast rooms. {@code RoomcastPublisher} is auto-configured from
 * {@code application.yml}; the controller is all the code there is.
 *
 * <pre>
 * curl -X POST localhost:8085/rooms/lobby/announcements -H 'Content-Type: application/json' \
 *      -d '{"text":"Doors open at eight"}'
 * </pre>
 */
@SpringBootApplication
public class AnnouncementsApplication {
    public static void main(String[] args) {
        SpringApplication.run(AnnouncementsApplication.class, args);
    }

    /** What an announcement carries; delivered to the room as JSON. */
    record Announcement(String text) {
    }

    @RestController
    static class Announcements {
        private final RoomcastPublisher roomcast;

        Announcements(RoomcastPublisher roomcast) {
            this.roomcast = roomcast;
        }

        @PostMapping("/rooms/{room}/announcements")
        ResponseEntity<Map<String, String>> announce(@PathVariable String room, @RequestBody Announcement a) {
            Position position = roomcast.toRoom(room, a);
            return ResponseEntity.accepted().body(Map.of("room", room, "position", position.toString()));
        }
    }
}

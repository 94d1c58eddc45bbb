package io.roomcast.bench.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Configuration;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.handler.annotation.DestinationVariable;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.messaging.handler.annotation.MessageMapping;
import org.springframework.messaging.handler.annotation.Payload;
import org.springframework.messaging.simp.SimpMessagingTemplate;
import org.springframework.messaging.simp.config.ChannelRegistration;
import org.springframework.messaging.simp.config.MessageBrokerRegistry;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.ChannelInterceptor;
import org.springframework.messaging.support.MessageHeaderAccessor;
import org.springframework.stereotype.Controller;
import org.springframework.web.socket.config.annotation.EnableWebSocketMessageBroker;
import org.springframework.web.socket.config.annotation.StompEndpointRegistry;
import org.springframework.web.socket.config.annotation.WebSocketMessageBrokerConfigurer;

import java.security.Principal;

/**
 * What a Java team would write instead of Roomcast: Spring Boot, STOMP over WebSocket on Tomcat, the simple
 * in-memory broker, and a controller that posts to rooms and whispers to users. The destinations are
 * Roomcast's, so that the benchmark drives both with the same generator.
 */
@SpringBootApplication
public class SpringBaseline {
    public static void main(String[] args) {
        SpringApplication.run(SpringBaseline.class, args);
    }

    @Configuration
    @EnableWebSocketMessageBroker
    static class Stomp implements WebSocketMessageBrokerConfigurer {
        @Override
        public void registerStompEndpoints(StompEndpointRegistry registry) {
            registry.addEndpoint("/ws").setAllowedOriginPatterns("*");
        }

        @Override
        public void configureMessageBroker(MessageBrokerRegistry registry) {
            registry.enableSimpleBroker("/topic", "/queue");
            registry.setApplicationDestinationPrefixes("/app");
            registry.setUserDestinationPrefix("/user");
        }

        /** The user is the CONNECT frame's {@code login}, as in Roomcast's insecure mode. */
        @Override
        public void configureClientInboundChannel(ChannelRegistration registration) {
            registration.interceptors(new ChannelInterceptor() {
                @Override
                public Message<?> preSend(Message<?> message, MessageChannel channel) {
                    StompHeaderAccessor accessor = MessageHeaderAccessor.getAccessor(message, StompHeaderAccessor.class);
                    if (accessor != null && StompCommand.CONNECT.equals(accessor.getCommand())) {
                        String login = accessor.getLogin();
                        if (login != null) {
                            accessor.setUser(new User(login));
                        }
                    }
                    return message;
                }
            });
        }
    }

    record User(String name) implements Principal {
        @Override
        public String getName() {
            return name;
        }
    }

    @Controller
    static class Rooms {
        private final SimpMessagingTemplate template;

        Rooms(SimpMessagingTemplate template) {
            this.template = template;
        }

        @MessageMapping("/room.{room}")
        void post(@DestinationVariable String room, @Payload String body) {
            template.convertAndSend("/topic/room." + room, body);
        }

        @MessageMapping("/whisper")
        void whisper(@Header("to") String to, @Payload String body) {
            template.convertAndSendToUser(to, "/queue/messages", body);
        }
    }
}

package io.roomcast.spring;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomcast.client.HttpTransportSettings;
import io.roomcast.client.PayloadSerializer;
import io.roomcast.client.RocketMqTransportSettings;
import io.roomcast.client.RoomcastPublisher;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * A {@link RoomcastPublisher} from {@code roomcast.publisher.*}, unless the application defines its own (as the
 * original {@code MqProducerAutoConfig} let a user's producer bean win). It starts with the context (the
 * RocketMQ transport connects before the context is up) and closes with it. A setting that makes no sense, or a
 * start that fails, stops the application with a {@link RoomcastConfigurationException} that
 * {@link RoomcastFailureAnalyzer} explains.
 */
@AutoConfiguration(afterName = "org.springframework.boot.autoconfigure.jackson.JacksonAutoConfiguration")
@EnableConfigurationProperties(RoomcastPublisherProperties.class)
@ConditionalOnProperty(prefix = "roomcast.publisher", name = "enabled", havingValue = "true", matchIfMissing = true)
public class RoomcastPublisherAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public RoomcastPublisher roomcastPublisher(RoomcastPublisherProperties properties,
                                               ObjectProvider<ObjectMapper> objectMapper) {
        PayloadSerializer serializer = PayloadSerializer.jackson(objectMapper.getIfAvailable(ObjectMapper::new));
        return switch (properties.getTransport()) {
            case HTTP -> RoomcastPublisher.http(http(properties.getHttp(), "roomcast.publisher.http"), serializer);
            case ROCKETMQ -> startRocketMq(properties, serializer);
        };
    }

    private static RoomcastPublisher startRocketMq(RoomcastPublisherProperties properties, PayloadSerializer serializer) {
        RoomcastPublisherProperties.Rocketmq r = properties.getRocketmq();
        RocketMqTransportSettings settings;
        try {
            settings = new RocketMqTransportSettings(r.getGroupName(), r.getNamesrvAddr(), r.getMaxMessageSize(),
                    r.getSendMsgTimeout(), r.getRetryTimesWhenSendFailed(), r.getTopic(), r.getPartitions(),
                    properties.getHttp().getNodes().isEmpty() ? null
                            : http(properties.getHttp(), "roomcast.publisher.http"));
        } catch (IllegalArgumentException e) {
            throw new RoomcastConfigurationException("roomcast.publisher.rocketmq." + kebab(e.getMessage()), e);
        }
        try {
            return RoomcastPublisher.rocketMq(settings, serializer);
        } catch (RuntimeException e) {
            throw new RoomcastConfigurationException("the RocketMQ publisher did not start (namesrv-addr "
                    + r.getNamesrvAddr() + ", topic " + r.getTopic() + "): " + e.getMessage(), e);
        }
    }

    private static HttpTransportSettings http(RoomcastPublisherProperties.Http h, String prefix) {
        try {
            return new HttpTransportSettings(h.getNodes(), h.getApiKey(), h.getTimeout(), h.getMaxPayloadBytes());
        } catch (IllegalArgumentException e) {
            throw new RoomcastConfigurationException(prefix + "." + kebab(e.getMessage()), e);
        }
    }

    /** "apiKey: required" -> "api-key: required": name the property as it is written in application.yml. */
    private static String kebab(String message) {
        int colon = message.indexOf(':');
        if (colon < 0) {
            return message;
        }
        return message.substring(0, colon).replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase()
                + message.substring(colon);
    }
}

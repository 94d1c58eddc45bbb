package io.roomcast.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a failed publisher start into Spring Boot's "APPLICATION FAILED TO START" report, in plain words. */
public class RoomcastFailureAnalyzer extends AbstractFailureAnalyzer<RoomcastConfigurationException> {
    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, RoomcastConfigurationException cause) {
        return new FailureAnalysis("The Roomcast publisher could not be created: " + cause.getMessage(),
                "Check the roomcast.publisher.* properties: choose roomcast.publisher.transport (http or rocketmq); "
                        + "for http set roomcast.publisher.http.nodes and roomcast.publisher.http.api-key; for rocketmq "
                        + "set roomcast.publisher.rocketmq.namesrv-addr to a reachable NameServer. Or define your own "
                        + "RoomcastPublisher bean, or set roomcast.publisher.enabled=false.", cause);
    }
}

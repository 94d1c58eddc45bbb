package io.roomcast.architecture;

import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import io.netty.channel.ChannelOutboundInvoker;
import io.roomcast.node.Node;

import java.util.Set;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The shape of the server, as DESIGN.md draws it: packages that depend on each other one way only, a node that
 * builds the parts and hands none of them out, and one write path to the clients.
 */
@AnalyzeClasses(packages = "io.roomcast", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule packagesHaveNoCycles = slices().matching("io.roomcast.(*)..").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule onlyTheCommandLineKnowsTheNode = noClasses()
            .that().resideOutsideOfPackages("io.roomcast.node..", "io.roomcast.cli..")
            .should().dependOnClassesThat().belongToAnyOf(Node.class)
            .because("handlers get a context with the parts they use, not the node");

    @ArchTest
    static final ArchRule theNodePackageIsTheTopOfTheGraph = noClasses()
            .that().resideOutsideOfPackages("io.roomcast.node..", "io.roomcast.cli..")
            .should().dependOnClassesThat().resideInAPackage("io.roomcast.node..");

    /** Every byte to a client goes through {@code delivery.Outbound}; a handler forwarding a write is not a writer. */
    @ArchTest
    static final ArchRule oneWritePath = noClasses()
            .that().resideOutsideOfPackage("io.roomcast.delivery..")
            .and().doNotHaveFullyQualifiedName("io.roomcast.transport.HttpExchanges$Messages")
            .should(writeToAChannel());

    private static final Set<String> WRITES = Set.of("write", "writeAndFlush");

    private static ArchCondition<JavaClass> writeToAChannel() {
        return new ArchCondition<>("write to a Netty channel or handler context") {
            @Override
            public void check(JavaClass item, ConditionEvents events) {
                for (JavaCall<?> call : item.getMethodCallsFromSelf()) {
                    if (WRITES.contains(call.getName())
                            && call.getTargetOwner().isAssignableTo(ChannelOutboundInvoker.class)) {
                        events.add(SimpleConditionEvent.violated(item, call.getDescription()));
                    }
                }
            }
        };
    }
}

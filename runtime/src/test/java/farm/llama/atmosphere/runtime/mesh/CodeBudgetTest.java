package farm.llama.atmosphere.runtime.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Wrong short codes: a budget per address, a ceiling for all, both over a sliding minute. */
class CodeBudgetTest {

    @Test
    void oneHostSpendsOnlyItsOwnBudgetAndManyHostsMeetTheCeiling() {
        CodeBudget budget = new CodeBudget(10, 100);
        long t = 1_000_000;
        for (int i = 0; i < 10; i++) {
            budget.failed("10.0.0.1", t);
        }
        assertTrue(budget.spent("10.0.0.1", t).orElse("").contains("from 10.0.0.1"), "the guessing host is stopped");
        assertTrue(budget.spent("10.0.0.2", t).isEmpty(), "another host is not");
        for (int host = 2; host <= 10; host++) {
            for (int i = 0; i < 10; i++) {
                budget.failed("10.0.0." + host, t);
            }
        }
        assertTrue(budget.spent("10.0.0.99", t).orElse("").contains("of all hosts"), "100 wrong codes in a minute stop everyone");
        assertTrue(budget.spent("10.0.0.99", t + 60_001).isEmpty(), "a minute later the budget is back");
        assertEquals("192.168.1.7", CodeBudget.address("/192.168.1.7:54321"));
        assertEquals("0:0:0:0:0:0:0:1", CodeBudget.address("/0:0:0:0:0:0:0:1:54321"));
    }
}

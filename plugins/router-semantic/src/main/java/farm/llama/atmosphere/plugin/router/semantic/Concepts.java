package farm.llama.atmosphere.plugin.router.semantic;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small concept lexicon for the lexical embedder: words people use in requests, mapped to the
 * concepts that capability descriptions are written in. It lets "my regex doesn't match" find a
 * code model and "what's in this picture" find a vision model without shared words.
 */
final class Concepts {

    static final Set<String> STOPWORDS = Set.of("a", "an", "the", "and", "or", "but", "if", "then", "of", "to", "in",
            "on", "at", "by", "for", "with", "about", "as", "into", "from", "up", "down", "out", "over", "is", "are",
            "was", "were", "be", "been", "being", "am", "do", "does", "did", "doing", "have", "has", "had", "i", "me",
            "my", "we", "our", "you", "your", "he", "she", "it", "its", "they", "them", "their", "this", "that",
            "these", "those", "what", "which", "who", "whom", "can", "could", "would", "should", "will", "shall",
            "may", "might", "must", "please", "so", "some", "any", "all", "just", "very", "too", "also", "how",
            "why", "when", "where", "there", "here", "not", "no", "yes", "than", "more", "most", "much", "many",
            "get", "got", "make", "let", "us", "s", "t", "don", "doesn", "isn", "want", "need", "like", "give", "tell");

    private static final Map<String, List<String>> BY_WORD = new HashMap<>();

    private static void concept(String name, String... words) {
        for (String w : words) {
            BY_WORD.computeIfAbsent(w, k -> new ArrayList<>()).add(name);
        }
    }

    static {
        concept("code", "code", "coding", "program", "programming", "programmer", "developer", "software", "function",
                "method", "class", "variable", "bug", "debug", "compile", "compiler", "syntax", "python", "java",
                "javascript", "typescript", "js", "ts", "golang", "go", "rust", "c", "c++", "cpp", "c#", "csharp", "kotlin", "swift",
                "ruby", "php", "sql", "query", "bash", "shell", "script", "regex", "regexp", "regular", "api", "json",
                "yaml", "html", "css", "react", "refactor", "unit", "test", "tests", "stack", "trace", "stacktrace",
                "exception", "error", "segfault", "null", "pointer", "loop", "recursion", "algorithm", "git", "commit",
                "merge", "repository", "library", "dependency", "npm", "maven", "gradle", "docker", "kubernetes",
                "dockerfile", "endpoint", "snippet", "implement", "implementation", "lint", "linter", "leetcode",
                "typescript", "async", "thread", "deadlock", "memory", "leak", "nullpointerexception", "traceback",
                "source", "script", "scripts", "cli", "terminal", "backend", "frontend", "database", "schema", "index",
                "coder", "codebase", "pull", "request", "pr", "review");
        concept("image", "image", "images", "picture", "pictures", "photo", "photos", "photograph", "screenshot",
                "screen", "camera", "see", "look", "looking", "visible", "visual", "vision", "diagram", "chart",
                "graph", "drawing", "scan", "scanned", "ocr", "caption", "describe", "pixel", "jpeg", "jpg", "png",
                "selfie", "painting", "video", "frame", "face", "objects", "object", "color", "colour", "shown", "show");
        concept("reason", "reason", "reasoning", "think", "thinking", "step", "steps", "logic", "logical", "puzzle",
                "riddle", "prove", "proof", "theorem", "math", "maths", "mathematics", "arithmetic", "algebra",
                "calculus", "equation", "equations", "solve", "solving", "calculate", "compute", "probability",
                "statistics", "integral", "derivative", "percent", "percentage", "sum", "multiply", "divide",
                "plan", "planning", "schedule", "optimize", "optimise", "tradeoff", "trade", "deduce", "infer",
                "strategy", "chess", "sudoku", "analyze", "analyse", "analysis", "careful", "carefully", "hard",
                "difficult", "complex", "how many", "number", "numbers", "minimum", "maximum", "geometry");
        concept("embed", "embed", "embedding", "embeddings", "vector", "vectors", "semantic", "similarity",
                "similar", "search", "retrieval", "retrieve", "rag", "cluster", "clustering", "nearest", "neighbor",
                "neighbour", "dedupe", "deduplicate", "duplicate", "recommend", "recommendation", "index", "indexing");
        concept("chat", "chat", "talk", "conversation", "hello", "hi", "hey", "thanks", "question", "questions",
                "answer", "explain", "explanation", "help", "advice", "idea", "ideas", "brainstorm", "opinion",
                "story", "poem", "joke", "write", "writing", "essay", "email", "letter", "message", "blog", "post",
                "summary", "summarize", "summarise", "tldr", "rewrite", "edit", "proofread", "grammar", "tone",
                "translate", "translation", "language", "french", "spanish", "german", "english", "japanese",
                "chinese", "italian", "recipe", "cook", "travel", "trip", "weather", "history", "meaning", "define",
                "definition", "word", "words", "sentence", "paragraph", "birthday", "gift", "friend", "everyday");
        concept("medical", "medical", "medicine", "health", "healthcare", "doctor", "patient", "symptom", "symptoms",
                "diagnosis", "disease", "treatment", "drug", "drugs", "dose", "dosage", "clinical", "hospital",
                "nurse", "pain", "fever", "blood", "pressure", "diabetes", "allergy", "vaccine", "prescription",
                "ibuprofen", "paracetamol", "acetaminophen", "aspirin", "antibiotic", "rash", "insulin", "dermatologist",
                "mole", "cough", "headache", "migraine", "infection", "injury", "sore", "throat", "medication", "pill",
                "pills", "side", "effects", "therapy", "surgery", "pharmacy", "pharmacist", "illness", "sick");
        concept("legal", "legal", "law", "lawyer", "attorney", "contract", "contracts", "clause", "lease", "tenant",
                "landlord", "court", "lawsuit", "sue", "liability", "compliance", "regulation", "gdpr", "copyright",
                "trademark", "patent", "license", "licence", "agreement", "nda", "terms", "statute", "rights",
                "eviction", "evict", "tenancy", "deposit", "sublet", "sublett", "judge", "legally", "illegal", "lawful",
                "signed", "binding", "dispute", "notice", "will", "inheritance", "custody", "divorce");
        concept("finance", "finance", "financial", "money", "budget", "invest", "investment", "investing", "stock",
                "stocks", "bond", "bonds", "portfolio", "tax", "taxes", "accounting", "invoice", "revenue", "profit",
                "loss", "expense", "expenses", "bank", "loan", "mortgage", "interest", "rate", "retirement", "crypto",
                "bitcoin", "price", "cost", "salary", "payroll", "balance", "sheet", "dividend", "inflation",
                "retire", "save", "saving", "savings", "pension", "401k", "ira", "refinance", "refinanc", "fund", "funds",
                "etf", "debt", "credit", "spend", "spending", "income", "afford", "wealth", "insurance");
        concept("animals", "animal", "animals", "llama", "llamas", "alpaca", "alpacas", "camelid", "camelids",
                "camel", "herd", "livestock", "farm", "farming", "wool", "fiber", "fibre", "shearing", "pasture",
                "vet", "veterinary", "breeding", "cria", "graze", "grazing", "barn");
        concept("fishing", "fish", "fishing", "angler", "angling", "bait", "lure", "rod", "reel", "trout", "salmon",
                "bass", "catch", "fly", "river", "lake", "boat", "tackle", "hook");
        concept("infra", "infrastructure", "server", "servers", "cloud", "aws", "gcp", "azure", "network",
                "networking", "dns", "firewall", "load", "balancer", "deploy", "deployment", "terraform",
                "ansible", "cluster", "nginx", "linux", "ops", "devops", "monitoring", "uptime", "outage", "latency",
                "cpu", "disk", "backup", "ssl", "tls", "certificate", "vpn", "router", "proxy", "container");
    }

    private Concepts() {
    }

    static List<String> of(String word, String stem) {
        List<String> a = BY_WORD.get(word);
        if (a != null) {
            return a;
        }
        List<String> b = BY_WORD.get(stem);
        return b != null ? b : List.of();
    }
}

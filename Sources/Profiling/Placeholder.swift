public enum ProfilingPlaceholder {}

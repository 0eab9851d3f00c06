public import ArgumentParser
import StructuredLogging

extension LogFormat: ExpressibleByArgument {}

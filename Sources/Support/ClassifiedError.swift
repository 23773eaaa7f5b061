/// An error of lrd-bench's libraries, classified for the process's exit status.
///
/// Every error type of the package conforms (a test checks the sources), so the command line maps any error
/// it catches to an exit status through this one property: 64 for bad input, 1 for a failure.
package protocol ClassifiedError: Error, CustomStringConvertible {
  /// True when the input (arguments, a saved plan, a suite file) asked for something impossible: nothing
  /// was measured or created, and the message names the problem and the valid values. False for a failure
  /// while measuring or writing.
  var isBadInput: Bool { get }
}

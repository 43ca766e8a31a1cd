/// The command line with each option followed by a negative number written as one argument,
/// `--epochs -1` as `--epochs=-1`.
///
/// The argument parser reads `-1` as a short flag and reports "Missing value for '--epochs'";
/// joined, the value reaches the option, whose check names the value and the range it
/// expected. `gru` takes no positional arguments, so a number after an option is its value.
func joiningNegativeValues(_ arguments: [String]) -> [String] {
    var joined: [String] = []
    var index = 0
    while index < arguments.count {
        let argument = arguments[index]
        if argument.hasPrefix("--"), !argument.contains("="), index + 1 < arguments.count,
            arguments[index + 1].hasPrefix("-"), Double(arguments[index + 1]) != nil
        {
            joined.append(argument + "=" + arguments[index + 1])
            index += 2
        } else {
            joined.append(argument)
            index += 1
        }
    }
    return joined
}

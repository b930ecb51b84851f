import EarlyUcode

/// The man pages (mdoc, section 8), one per command, from the same tables
/// as the help: `early-ucode.8` and `early-ucode-build.8`,
/// `early-ucode-grub-enable.8`, as git names its pages, so that
/// `man early-ucode build` finds them and lexgrog reads each NAME.
/// debian/rules writes them with `early-ucode --generate-man-pages DIR`.
struct ManPages {
    /// `December 2, 2026`: SOURCE_DATE_EPOCH's (the changelog's), so
    /// package builds repeat.
    let date: String

    /// `--generate-man-pages DIR`.
    static func generate(_ arguments: [String], root: CommandPath, in context: CommandContext) throws {
        guard arguments.count == 1, let directory = arguments.first, !directory.hasPrefix("-") else {
            throw UsageError(root.misuse("--generate-man-pages needs one folder"))
        }
        guard let epoch = context.environment["SOURCE_DATE_EPOCH"].flatMap(Int64.init), epoch >= 0 else {
            throw UsageError(root.misuse("--generate-man-pages needs SOURCE_DATE_EPOCH (the date the pages show)"))
        }
        let pages = ManPages(date: Self.date(epoch)).pages(root)
        try context.reporting {
            for (name, text) in pages {
                let path = Path.join(directory, name + ".8")
                try AtomicFile.write(to: path) { (sink: inout DescriptorSink) throws -> Void in
                    try sink.write(Array(text.utf8)[...])
                }
                try AtomicFile.removeLock(for: path)
            }
        }
    }

    /// Days since 1970 to a civil date (Howard Hinnant's days_from_civil,
    /// inverted), in mdoc's `.Dd Month day, year` form.
    static func date(_ epoch: Int64) -> String {
        let z = epoch / 86_400 + 719_468
        let era = z / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        let names = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                     "October", "November", "December"]
        return "\(names[Int(month) - 1]) \(day), \(year)"
    }

    /// Every command's page, the root's first.
    func pages(_ path: CommandPath) -> [(name: String, text: String)] {
        path.descendants.map { ($0.names.joined(separator: "-"), page($0)) }
    }

    func page(_ path: CommandPath) -> String {
        let info = path.command.info
        let name = path.names.joined(separator: "-")
        let parameters = path.command.parameterDescriptions
        var out = ".Dd \(date)\n.Dt \(name.uppercased()) 8\n.Os\n"
        out += ".Sh NAME\n.Nm \(name)\n.Nd \(Self.text(info.abstract))\n"
        out += ".Sh SYNOPSIS\n.Nm \"\(path.text)\"\n"
        if !info.subcommands.isEmpty {
            out += ".Ar command\n"
        }
        for parameter in parameters {
            switch parameter.kind {
            case .flag: out += ".Op Fl -\(parameter.long ?? "")\n"
            case .option: out += ".Op Fl -\(parameter.long ?? "") Ar \(Self.argument(parameter.valueName))\n"
            case .repeatedOption: out += ".Op Fl -\(parameter.long ?? "") Ar \(Self.argument(parameter.valueName)) ...\n"
            case .argument: out += ".Ar \(Self.argument(parameter.valueName))\n"
            case .optionalArgument: out += ".Op Ar \(Self.argument(parameter.valueName))\n"
            case .repeatedArguments: out += ".Op Ar \(Self.argument(parameter.valueName)) ...\n"
            }
        }
        out += ".Sh DESCRIPTION\n\(Self.text(info.abstract))\n"
        if let discussion = info.discussion { out += ".Pp\n\(Self.text(discussion))\n" }
        if !parameters.isEmpty || !info.subcommands.isEmpty {
            out += ".Bl -tag -width 6n\n"
            for sub in info.subcommands {
                out += ".It Cm \(sub.info.name)\n\(Self.text(sub.info.abstract))\nSee\n.Xr \(name)-\(sub.info.name) 8 .\n"
            }
            for parameter in parameters {
                var item = ".It"
                if let short = parameter.short { item += " Fl \(short) ,"}
                if let long = parameter.long { item += " Fl -\(long)" }
                if parameter.kind.takesValue || parameter.kind.isPositional { item += " Ar \(Self.argument(parameter.valueName))" }
                out += item + "\n" + Self.text(parameter.help) + "\n"
                if let defaultValue = parameter.defaultValue { out += "The default is\n.Ql \(Self.argument(defaultValue)) .\n" }
                if let discussion = parameter.discussion { out += Self.text(discussion) + "\n" }
            }
            out += ".It Fl h , Fl -help\nShow the help.\n"
            out += ".El\n"
        }
        out += ".Sh EXIT STATUS\n0 on success, 1 on an error (nothing written), 64 on a usage error"
        out += path.names.count == 1 ? "; see above for check and detect.\n" : ".\n"
        out += ".Sh SEE ALSO\n"
        let others = path.names.count == 1 ? info.subcommands.map { name + "-" + $0.info.name }
            : [path.names.dropLast().joined(separator: "-")]
        out += others.map { ".Xr \($0) 8" }.joined(separator: " ,\n") + "\n"
        return out
    }

    /// Running text: a backslash is `\e`, and a line that would start
    /// with `.` or `'` (a request) starts with the zero-width `\&`.
    static func text(_ text: String) -> String {
        var out = text.replacingAll("\\", with: "\\e")
        if out.hasPrefix(".") || out.hasPrefix("'") { out = "\\&" + out }
        return out
    }

    /// A macro argument: quoted when it holds a space or a quote.
    static func argument(_ text: String) -> String {
        let escaped = text.replacingAll("\\", with: "\\e")
        return escaped.contains(" ") || escaped.contains("\"") ? "\"" + escaped.replacingAll("\"", with: "\\(dq") + "\"" : escaped
    }
}

extension String {
    /// Without Foundation: every `target` replaced.
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for character in self { if character == target { out += replacement } else { out.append(character) } }
        return out
    }
}

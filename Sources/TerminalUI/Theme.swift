/// A UI role that a theme gives a style. Views ask for roles, never for colours.
public enum ThemeRole: String, Sendable, CaseIterable {
    case text, muted, border, borderFocused, title, titleFocused, header, selection, selectionUnfocused
    case statusBar, statusAccent, ok, warning, critical, info, notice, dialog, dialogBorder, key, input, highlight
}

/// A palette mapped onto UI roles (k9s' skins work the same way).
public struct Theme: Sendable, Equatable {
    public var name: String
    public var styles: [ThemeRole: Style]

    public init(name: String, styles: [ThemeRole: Style]) {
        self.name = name
        self.styles = styles
    }

    public subscript(role: ThemeRole) -> Style { styles[role] ?? Theme.fallback.styles[role] ?? .plain }

    /// The theme reduced to what the terminal can show: colours mapped to `mode`; under monochrome
    /// each role keeps only its attributes, and roles that need to stand out get `reverse`/`bold`.
    public func reduced(to mode: ColorMode) -> Theme {
        var copy = self
        for (role, style) in styles {
            var reduced = Style(foreground: mode.reduce(style.foreground), background: mode.reduce(style.background), attributes: style.attributes)
            if mode == .monochrome { reduced.attributes.formUnion(Theme.monochromeEmphasis[role] ?? []) }
            copy.styles[role] = reduced
        }
        return copy
    }

    static let monochromeEmphasis: [ThemeRole: Attributes] = [
        .selection: .reverse, .statusBar: .reverse, .titleFocused: [.bold, .underline], .critical: .bold,
        .borderFocused: .bold, .key: .bold, .notice: .reverse, .input: .underline, .highlight: .underline,
    ]

    /// This theme with panel roles swapped for dialog roles, for boxes drawn over the panes.
    public var dialogFrame: Theme {
        var copy = self
        copy.styles[.border] = self[.dialogBorder]
        copy.styles[.borderFocused] = self[.dialogBorder]
        copy.styles[.titleFocused] = self[.dialogBorder]
        copy.styles[.text] = self[.dialog]
        return copy
    }

    /// The built-in dark theme, used when no theme file is found or a theme file is broken.
    public static let fallback = Theme(name: "default", styles: [
        .text: Style(foreground: .indexed(252)),
        .muted: Style(foreground: .indexed(244)),
        .border: Style(foreground: .indexed(240)),
        .borderFocused: Style(foreground: .indexed(75), attributes: .bold),
        .title: Style(foreground: .indexed(250), attributes: .bold),
        .titleFocused: Style(foreground: .indexed(75), attributes: .bold),
        .header: Style(foreground: .indexed(180), attributes: .bold),
        .selection: Style(foreground: .indexed(231), background: .indexed(25)),
        .selectionUnfocused: Style(foreground: .indexed(252), background: .indexed(237)),
        .statusBar: Style(foreground: .indexed(252), background: .indexed(236)),
        .statusAccent: Style(foreground: .indexed(16), background: .indexed(75), attributes: .bold),
        .ok: Style(foreground: .indexed(114)),
        .warning: Style(foreground: .indexed(221)),
        .critical: Style(foreground: .indexed(203), attributes: .bold),
        .info: Style(foreground: .indexed(117)),
        .notice: Style(foreground: .indexed(16), background: .indexed(221)),
        .dialog: Style(foreground: .indexed(252), background: .indexed(235)),
        .dialogBorder: Style(foreground: .indexed(221), background: .indexed(235), attributes: .bold),
        .key: Style(foreground: .indexed(221), attributes: .bold),
        .input: Style(foreground: .indexed(231), background: .indexed(238)),
        .highlight: Style(foreground: .indexed(221), attributes: .bold),
    ])
}

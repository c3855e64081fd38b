//! QR codes as SVG: the qrcode crate encodes, this module draws the modules as one path.

use core::fmt::Write;

use qrcode::{Color, EcLevel, QrCode};

/// How a QR code is drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrStyle {
    /// Error correction: `L`, `M`, `Q` or `H`.
    pub ec_level: EcLevel,
    /// Light modules around the code; 4 is the standard's minimum for reliable scanning.
    pub quiet_zone: u32,
    /// Pixels per module.
    pub module_size: u32,
    /// Colour of dark modules (`#rgb`, `#rrggbb` or a CSS colour name).
    pub dark: String,
    /// Colour of light modules and the quiet zone.
    pub light: String,
    /// The accessible name of the image.
    pub title: String,
}

impl Default for QrStyle {
    fn default() -> Self {
        Self {
            ec_level: EcLevel::M,
            quiet_zone: 4,
            module_size: 4,
            dark: "#000000".into(),
            light: "#ffffff".into(),
            title: "QR code to scan with an authenticator app".into(),
        }
    }
}

/// Why a QR code could not be drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QrError {
    /// The data does not fit a QR code at this error-correction level.
    TooLong,
    /// A colour is not `#rgb`, `#rrggbb` or a CSS colour name.
    Colour(&'static str),
    /// Module size must be 1 to 64 pixels, quiet zone 0 to 16 modules.
    Size(&'static str),
}

impl core::fmt::Display for QrError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::TooLong => f.write_str("the data is too long for a QR code"),
            Self::Colour(which) => write!(f, "{which} must be #rgb, #rrggbb or a CSS colour name"),
            Self::Size(which) => write!(f, "{which} is out of range"),
        }
    }
}

/// Parses `L`, `M`, `Q` or `H`.
pub fn ec_level(name: &str) -> Option<EcLevel> {
    match name {
        "L" => Some(EcLevel::L),
        "M" => Some(EcLevel::M),
        "Q" => Some(EcLevel::Q),
        "H" => Some(EcLevel::H),
        _ => None,
    }
}

/// Colours are written into the SVG, so only shapes that cannot break out of an attribute.
fn valid_colour(colour: &str) -> bool {
    match colour.strip_prefix('#') {
        Some(hex) => matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit()),
        None => {
            !colour.is_empty()
                && colour.len() <= 20
                && colour.chars().all(|c| c.is_ascii_alphabetic())
        }
    }
}

fn escape_xml(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// Draws `data` as a standalone SVG document with an accessible title.
pub fn render_svg(data: &str, style: &QrStyle) -> Result<String, QrError> {
    if !valid_colour(&style.dark) {
        return Err(QrError::Colour("dark"));
    }
    if !valid_colour(&style.light) {
        return Err(QrError::Colour("light"));
    }
    if !(1..=64).contains(&style.module_size) {
        return Err(QrError::Size("moduleSize"));
    }
    if style.quiet_zone > 16 {
        return Err(QrError::Size("quietZone"));
    }
    let code =
        QrCode::with_error_correction_level(data, style.ec_level).map_err(|_| QrError::TooLong)?;
    let width = code.width() as u32;
    let size = (width + 2 * style.quiet_zone) * style.module_size;
    let title = escape_xml(&style.title);

    // One path in module units, a rectangle per horizontal run of dark modules.
    let colours = code.to_colors();
    let mut path = String::new();
    for (y, row) in colours.chunks(width as usize).enumerate() {
        let mut x = 0;
        while x < row.len() {
            let run = row
                .iter()
                .skip(x)
                .take_while(|colour| **colour == Color::Dark)
                .count();
            if run > 0 {
                let (left, top) = (x as u32 + style.quiet_zone, y as u32 + style.quiet_zone);
                let _ = write!(path, "M{left} {top}h{run}v1h-{run}z");
            }
            x += run.max(1);
        }
    }
    let total = width + 2 * style.quiet_zone;
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{size}\" height=\"{size}\" \
         viewBox=\"0 0 {total} {total}\" shape-rendering=\"crispEdges\" role=\"img\" \
         aria-labelledby=\"qr-title\"><title id=\"qr-title\">{title}</title>\
         <rect width=\"{total}\" height=\"{total}\" fill=\"{light}\"/>\
         <path fill=\"{dark}\" d=\"{path}\"/></svg>",
        light = style.light,
        dark = style.dark,
    ))
}

// Natively and, as wasm-bindgen tests, in WebAssembly (where the package runs).
#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn error_correction_levels_are_named_by_their_letter() {
        for (name, level) in [
            ("L", EcLevel::L),
            ("M", EcLevel::M),
            ("Q", EcLevel::Q),
            ("H", EcLevel::H),
        ] {
            assert_eq!(ec_level(name), Some(level));
        }
        assert_eq!(ec_level("l"), None);
        assert_eq!(ec_level(""), None);
    }

    #[test]
    fn only_colours_that_cannot_leave_an_attribute_are_drawn() {
        for good in ["#abc", "#A1B2C3", "red", "rebeccapurple", &"a".repeat(20)] {
            assert!(valid_colour(good), "{good}");
        }
        let long = "a".repeat(21);
        for bad in [
            "", "#", "#ab", "#abcd", "#abcdeg", "#abcdef0", "red1", "red blue", &long, "#12345g",
        ] {
            assert!(!valid_colour(bad), "{bad}");
        }
        let light = QrStyle {
            light: "#zzz".into(),
            ..QrStyle::default()
        };
        assert_eq!(render_svg("x", &light), Err(QrError::Colour("light")));
    }

    #[test]
    fn hostile_styles_are_refused() {
        let style = |dark: &str| QrStyle {
            dark: dark.into(),
            ..QrStyle::default()
        };
        assert_eq!(
            render_svg("x", &style("\"/><script>")),
            Err(QrError::Colour("dark"))
        );
        assert!(render_svg("x", &style("#0f0")).is_ok());
        assert!(render_svg("x", &style("rebeccapurple")).is_ok());
        let titled = QrStyle {
            title: "<b>&\"".into(),
            ..QrStyle::default()
        };
        assert!(
            render_svg("x", &titled)
                .unwrap()
                .contains("<title id=\"qr-title\">&lt;b&gt;&amp;&quot;</title>")
        );
    }

    #[test]
    fn sizes_stay_within_their_bounds_and_errors_say_which() {
        let style = |module_size: u32, quiet_zone: u32| QrStyle {
            module_size,
            quiet_zone,
            ..QrStyle::default()
        };
        assert!(render_svg("x", &style(1, 0)).is_ok());
        assert!(render_svg("x", &style(64, 16)).is_ok());
        assert_eq!(
            render_svg("x", &style(0, 4)),
            Err(QrError::Size("moduleSize"))
        );
        assert_eq!(
            render_svg("x", &style(65, 4)),
            Err(QrError::Size("moduleSize"))
        );
        assert_eq!(
            render_svg("x", &style(4, 17)),
            Err(QrError::Size("quietZone"))
        );
        assert_eq!(
            QrError::Size("quietZone").to_string(),
            "quietZone is out of range"
        );
        assert_eq!(
            QrError::Colour("dark").to_string(),
            "dark must be #rgb, #rrggbb or a CSS colour name"
        );
        assert_eq!(
            QrError::TooLong.to_string(),
            "the data is too long for a QR code"
        );
        let long = "x".repeat(3000);
        assert_eq!(
            render_svg(&long, &QrStyle::default()),
            Err(QrError::TooLong)
        );
    }

    #[test]
    fn size_follows_modules_and_quiet_zone() {
        let style = QrStyle {
            module_size: 2,
            quiet_zone: 1,
            ..QrStyle::default()
        };
        let svg = render_svg("hello", &style).unwrap();
        // Version 1 is 21 modules wide: (21 + 2) * 2 pixels.
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"46\" height=\"46\" viewBox=\"0 0 23 23\""), "{svg}");
    }
}

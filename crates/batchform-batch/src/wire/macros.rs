//! A string-enum macro: lowercase spec values on output, case-insensitive on input, and an
//! `Other` variant so a value added by a newer service never breaks deserialization.

/// Declares a wire enum whose variants map to exact spec strings.
///
/// Serialization emits the spec string; deserialization matches it ignoring ASCII case and
/// keeps anything else verbatim in `Other`, which callers can reject where they must.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version does not know, kept exactly as received.
            Other(String),
        }

        impl $name {
            /// Every known value, in spec order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The value as the service spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Other(other) => other.as_str(),
                }
            }

            /// Parses a value, ignoring ASCII case; never fails.
            pub fn parse(value: &str) -> Self {
                $( if value.eq_ignore_ascii_case($wire) { return $name::$variant; } )+
                $name::Other(value.to_string())
            }

            /// Whether this is a value the spec does not list.
            pub fn is_other(&self) -> bool {
                matches!(self, $name::Other(_))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::parse(value))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok(Self::parse(&value))
            }
        }
    };
}

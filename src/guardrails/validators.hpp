#pragma once
// The checks that turn a pattern's candidate into a finding: check digits, number ranges and
// layouts, and randomness, each cutting the false positives a pattern alone would give. Pure
// functions of their text; safe from any thread.

#include <string_view>

namespace sluice::guardrails {

// The Luhn check digit (ISO/IEC 7812-1 Annex B) over the digits of `text`, other characters
// skipped. False when there are no digits.
bool luhn_valid(std::string_view text);

// A payment card number as written: 13 to 19 digits whose issuer prefix is a known network's
// (Visa 4; Mastercard 51-55, 2221-2720; American Express 34, 37 with 15 digits; Discover 6011,
// 644-649, 65; JCB 3528-3589; Diners Club 300-305, 36, 38), that pass Luhn, written without
// separators, or in groups of four (the last group 1 to 4 digits) or 4-6-5 / 4-6-4, with one kind
// of separator (space or dash).
bool credit_card_valid(std::string_view text);

// An IBAN (ISO 13616), compact or in groups of four separated by single spaces: a known country's
// length and the mod-97 check (remainder 1). `length_for` gives a country's IBAN length (0 when
// not in the registry's table this knows).
bool iban_valid(std::string_view text);
int iban_length_for(std::string_view country);

// A US Social Security number AAA-GG-SSSS (dashes or spaces, the same both times): area not 000,
// 666 or 900-999, group not 00, serial not 0000 (SSA's rules for numbers ever issued).
bool us_ssn_valid(std::string_view text);

// Dotted-quad IPv4 with each part 0-255 and no leading zero; IPv6 as inet_pton reads it.
bool ipv4_valid(std::string_view text);
bool ipv6_valid(std::string_view text);

// A phone number: E.164 (+, country code, 8 to 15 digits in all, separators space, dash, dot or
// parentheses) or a North American number written (NPA) NXX-XXXX, NPA-NXX-XXXX or NPA.NXX.XXXX
// with the area code and exchange starting 2-9 (NANP numbering plan).
bool phone_valid(std::string_view text);

// An email address's local part and domain as RFC 5321 mailboxes are commonly written: no
// leading, trailing or doubled dot, domain labels not starting or ending with '-', a TLD of
// letters.
bool email_valid(std::string_view text);

// Shannon entropy in bits per character of `text`.
double shannon_entropy(std::string_view text);
// A placeholder's marks: a run of five of one character ("xxxxx", "00000"), or words like "your",
// "example", "changeme", "redacted".
bool looks_like_placeholder(std::string_view text);
// A secret value with no recognisable prefix: at least 20 characters, entropy at least 3.5 bits
// a character, two of upper case, lower case and digits, no ascending run like "123456" or
// "abcdef", and no
// placeholder's marks.
bool looks_random(std::string_view text);

}  // namespace sluice::guardrails

// NameTable: names and values both ways, the choices as prose, and the error for an unknown name.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "host/core/error.hpp"
#include "host/core/names.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

enum class Colour { red, green, blue };
enum class Single { only };

inline constexpr NameTable<Colour, 3> kColours{
    "colour", {{{Colour::red, "red"}, {Colour::green, "green"}, {Colour::blue, "blue"}}}};
inline constexpr NameTable<Single, 1> kSingle{"single", {{{Single::only, "only"}}}};

// name() is constexpr, so a table can be checked at compile time.
static_assert(std::string_view(kColours.name(Colour::green)) == "green");

TEST(NameTable, NameAndFindAreInverse) {
  for (const auto& [value, text] : kColours.entries) {
    EXPECT_EQ(std::string(kColours.name(value)), text);
    EXPECT_EQ(kColours.find(text), value) << text;
    EXPECT_EQ(kColours.parse(text), value) << text;
  }
}

TEST(NameTable, AValueOutsideTheTableIsNamedQuestionMark) {
  EXPECT_EQ(std::string(kColours.name(static_cast<Colour>(7))), "?");
}

TEST(NameTable, FindMatchesWholeNamesExactly) {
  EXPECT_EQ(kColours.find(""), std::nullopt);
  EXPECT_EQ(kColours.find("Red"), std::nullopt);  // case matters
  EXPECT_EQ(kColours.find("re"), std::nullopt);
  EXPECT_EQ(kColours.find("red "), std::nullopt);
  EXPECT_EQ(kColours.find("?"), std::nullopt);
}

TEST(NameTable, ChoicesReadAsProse) {
  EXPECT_EQ(kColours.choices(), "red, green or blue");
  EXPECT_EQ(kColours.choices(" and "), "red, green and blue");
  EXPECT_EQ(kSingle.choices(), "only");
  constexpr NameTable<Colour, 2> two{"colour", {{{Colour::red, "red"}, {Colour::blue, "blue"}}}};
  EXPECT_EQ(two.choices(), "red or blue");
}

TEST(NameTable, AnUnknownNameIsAnInputErrorListingEveryChoice) {
  EXPECT_THROW((void)kColours.parse("purple"), InputError);
  EXPECT_EQ(testing::input_error_of([] { (void)kColours.parse("purple"); }),
            "unknown colour 'purple': use red, green or blue");
  EXPECT_EQ(testing::input_error_of([] { (void)kSingle.parse(""); }),
            "unknown single '': use only");
}

TEST(NameTable, RoundTripHelperAcceptsATableWithItsOwnWrappers) {
  testing::expect_names_round_trip(
      kColours, [](const std::string& s) { return kColours.parse(s); },
      [](Colour c) { return kColours.name(c); });
}

}  // namespace
}  // namespace tailor

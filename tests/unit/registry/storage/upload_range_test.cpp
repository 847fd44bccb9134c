#include "registry/storage/upload_range.h"

#include <gtest/gtest.h>

namespace berth::registry {
namespace {

using common::ErrorCode;

TEST(UploadRangeTest, ParsesContentRangeForms) {
  for (const char* text : {"0-1023", "bytes=0-1023", "bytes 0-1023/*", " 0 - 1023 "}) {
    auto r = parseContentRange(text);
    ASSERT_TRUE(r.has_value()) << text;
    EXPECT_EQ(r->first, 0u);
    EXPECT_EQ(r->last, 1023u);
    EXPECT_EQ(r->length(), 1024u);
  }
  for (const char* text : {"", "abc", "10-5", "-5", "5-", "1-2-3"}) {
    auto r = parseContentRange(text);
    ASSERT_FALSE(r.has_value()) << text;
    EXPECT_EQ(r.error().code, ErrorCode::RangeInvalid);
  }
}

TEST(UploadRangeTest, ChunksMustContinueTheUpload) {
  EXPECT_TRUE(checkChunkRange(100, ByteRange{100, 199}, 100).has_value());
  EXPECT_TRUE(checkChunkRange(100, ByteRange{100, 199}, std::nullopt).has_value());
  EXPECT_FALSE(checkChunkRange(100, ByteRange{50, 149}, 100).has_value());   // overlap
  EXPECT_FALSE(checkChunkRange(100, ByteRange{150, 249}, 100).has_value());  // gap
  EXPECT_FALSE(checkChunkRange(100, ByteRange{100, 199}, 10).has_value());   // wrong length
  EXPECT_EQ(checkChunkRange(0, ByteRange{1, 1}, 1).error().code, ErrorCode::RangeInvalid);
}

TEST(UploadRangeTest, RangeHeaderValue) {
  EXPECT_EQ(uploadRangeHeader(0), "0-0");
  EXPECT_EQ(uploadRangeHeader(1), "0-0");
  EXPECT_EQ(uploadRangeHeader(1024), "0-1023");
}

TEST(UploadRangeTest, ResolvesDownloadRanges) {
  auto none = resolveDownloadRange("", 100);
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
  auto r = resolveDownloadRange("bytes=10-19", 100);
  ASSERT_TRUE(r && *r);
  EXPECT_EQ((*r)->first, 10u);
  EXPECT_EQ((*r)->last, 19u);
  r = resolveDownloadRange("bytes=90-", 100);
  EXPECT_EQ((*r)->last, 99u);
  r = resolveDownloadRange("bytes=95-200", 100);
  EXPECT_EQ((*r)->last, 99u);
  r = resolveDownloadRange("bytes=-10", 100);
  EXPECT_EQ((*r)->first, 90u);
  for (const char* text :
       {"bytes=100-", "bytes=200-300", "bytes=5-1", "items=0-1", "bytes=0-1,5-6", "bytes=-0"}) {
    auto bad = resolveDownloadRange(text, 100);
    ASSERT_FALSE(bad.has_value()) << text;
    EXPECT_EQ(bad.error().code, ErrorCode::RangeInvalid);
  }
}

}  // namespace
}  // namespace berth::registry

#define BOOST_TEST_MODULE recpool_dataio
#include <boost/test/unit_test.hpp>

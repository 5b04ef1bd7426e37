package ec2api

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The AWS CLI builds each response object in the order of its shape's
// members in the EC2 model (botocore's parser fills a dict member by
// member), and EC2 writes its XML in that order too. The output structs
// serve both (XML from the handler, JSON from the sgswitch ec2 client),
// so their field order must be the model's. The model is read from the
// AWS CLI v2 that Debian's awscli package installs (2.9.19 here and in
// CI); it is not copied into the repository.
const modelDir = "/usr/lib/python3/dist-packages/awscli/botocore/data"

var (
	ec2ModelPath = modelDir + "/ec2/2016-11-15/service-2.json"
	stsModelPath = modelDir + "/sts/2011-06-15/service-2.json"
)

// newerThanModel lists the fields sgswitch serves that 2.9.19's model
// predates (EC2 added them later; that CLI drops them). They must come
// after every member the model knows, where later models put them.
var newerThanModel = map[string][]string{
	"SecurityGroup":               {"SecurityGroupArn"},
	"SecurityGroupRule":           {"SecurityGroupRuleArn"},
	"CreateSecurityGroupResult":   {"SecurityGroupArn"},
	"NetworkInterface":            {"ConnectionTrackingConfiguration"},
	"NetworkInterfaceIpv6Address": {"IsPrimaryIpv6"},
	// Later models give DeleteSecurityGroup an output.
	"DeleteSecurityGroupResult": {"Return", "GroupId"},
	// RevokeSecurityGroup{Ingress,Egress}Result.
	"RevokeSecurityGroupIngressResult": {"RevokedSecurityGroupRules"},
	"RevokeSecurityGroupEgressResult":  {"RevokedSecurityGroupRules"},
}

// noOutputFields are what EC2 answers for an operation the model gives no
// output (CreateTags, DeleteNetworkInterface, …): <return>true</return>,
// which the CLI does not print.
var noOutputFields = []string{"Return"}

type modelMember struct {
	Shape        string `json:"shape"`
	LocationName string `json:"locationName"`
}

// modelShape is the part of a botocore shape the order check needs. A
// structure's member order is kept in memberOrder (a Go map forgets it).
type modelShape struct {
	Type        string                 `json:"type"`
	Members     map[string]modelMember `json:"members"`
	Member      *modelMember           `json:"member"`
	memberOrder []string
}

type serviceModel struct {
	Operations map[string]struct {
		Output *struct {
			Shape         string `json:"shape"`
			ResultWrapper string `json:"resultWrapper"`
		} `json:"output"`
	} `json:"operations"`
	Shapes map[string]*modelShape `json:"shapes"`
}

func loadModel(t *testing.T, path string) *serviceModel {
	t.Helper()
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("no AWS CLI v2 service model at %s (install Debian's awscli: bash scripts/install-deps.sh)", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	var m serviceModel
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	// Second pass for the member order: the shapes object's structures,
	// token by token.
	var shapes struct {
		Shapes map[string]json.RawMessage `json:"shapes"`
	}
	if err := json.Unmarshal(raw, &shapes); err != nil {
		t.Fatal(err)
	}
	for name, s := range m.Shapes {
		if s.Type != "structure" {
			continue
		}
		var body struct {
			Members json.RawMessage `json:"members"`
		}
		if err := json.Unmarshal(shapes.Shapes[name], &body); err != nil {
			t.Fatal(err)
		}
		order, err := objectKeys(body.Members)
		if err != nil {
			t.Fatalf("%s: shape %s: %v", path, name, err)
		}
		s.memberOrder = order
	}
	return &m
}

// objectKeys returns the keys of a JSON object in document order.
func objectKeys(raw json.RawMessage) ([]string, error) {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("not an object: %v", err)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// wireField is a serialised field of an output struct: its JSON name
// (the model's member name) and XML element name (its locationName).
type wireField struct {
	json, xml string
	typ       reflect.Type
}

// wireFields lists t's serialised fields in order, with embedded structs'
// fields in place, as encoding/json and encoding/xml write them. Fields
// the CLI never prints (json:"-", the request id) are left out.
func wireFields(t reflect.Type) []wireField {
	var out []wireField
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		jsonName, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && jsonName == "" {
			out = append(out, wireFields(f.Type)...)
			continue
		}
		if jsonName == "-" {
			continue
		}
		if jsonName == "" {
			jsonName = f.Name
		}
		xmlName, _, _ := strings.Cut(f.Tag.Get("xml"), ",")
		out = append(out, wireField{json: jsonName, xml: xmlName, typ: f.Type})
	}
	return out
}

// elemType is the struct (or scalar) type behind pointers, slices and Lists.
func elemType(t reflect.Type) reflect.Type {
	for {
		switch {
		case t.Kind() == reflect.Pointer, t.Kind() == reflect.Slice:
			t = t.Elem()
		case t.Kind() == reflect.Struct && strings.HasPrefix(t.Name(), "List["):
			f, _ := t.FieldByName("Items")
			t = f.Type
		default:
			return t
		}
	}
}

// TestOutputFieldsInModelOrder walks every output message of the served
// actions, and everything nested in it, alongside the model's output
// shape: each struct's fields must be members of its shape (by JSON name,
// with the shape's locationName as XML name), in the shape's member order,
// with only the documented newer fields after them.
func TestOutputFieldsInModelOrder(t *testing.T) {
	models := map[string]*serviceModel{
		ec2ModelPath: loadModel(t, ec2ModelPath),
		stsModelPath: loadModel(t, stsModelPath),
	}
	names := Actions()
	sort.Strings(names)
	checked := map[string]bool{} // "GoType shape" pairs already walked
	for _, name := range names {
		path := ec2ModelPath
		if stsActions[name] {
			path = stsModelPath
		}
		m := models[path]
		op, ok := m.Operations[name]
		if !ok {
			// An operation newer than the model (GetSecurityGroupsForVpc):
			// nothing to compare with.
			t.Logf("%s: not in %s, not checked", name, path)
			continue
		}
		out := actions[name].out
		if op.Output == nil {
			allowed := noOutputFields
			if newer, ok := newerThanModel[name+"Result"]; ok {
				allowed = newer
			}
			for _, f := range wireFields(out) {
				if !slices.Contains(allowed, f.json) {
					t.Errorf("%s: the model has no output, yet %s has %s", name, out, f.json)
				}
			}
			continue
		}
		if stsActions[name] {
			// STS wraps the output shape in <…Result>.
			f, ok := out.FieldByName("Result")
			if !ok || f.Tag.Get("xml") != op.Output.ResultWrapper {
				t.Errorf("%s: %s has no Result field in <%s>", name, out, op.Output.ResultWrapper)
				continue
			}
			out = f.Type
		}
		checkShape(t, m, name, out, op.Output.Shape, checked)
	}
	t.Logf("%d output structures checked against the model", len(checked))
}

func checkShape(t *testing.T, m *serviceModel, where string, typ reflect.Type, shapeName string, checked map[string]bool) {
	t.Helper()
	key := typ.String() + " " + shapeName
	if checked[key] {
		return
	}
	checked[key] = true
	shape := m.Shapes[shapeName]
	if shape == nil {
		t.Errorf("%s: no shape %s in the model", where, shapeName)
		return
	}
	if shape.Type != "structure" {
		return
	}
	where = where + " > " + shapeName
	if typ.Kind() != reflect.Struct {
		t.Errorf("%s: the model has a structure, sgswitch a %s", where, typ)
		return
	}
	var got, want []string
	newer := newerThanModel[shapeName]
	for _, f := range wireFields(typ) {
		got = append(got, f.json)
		member, ok := shape.Members[f.json]
		if !ok {
			if !slices.Contains(newer, f.json) {
				t.Errorf("%s (%s): field %s is not a member of the model's shape (nor a documented newer field)", where, typ, f.json)
			}
			continue
		}
		wantXML := member.LocationName
		if wantXML == "" {
			wantXML = f.json
		}
		if f.xml != wantXML {
			t.Errorf("%s (%s): field %s is <%s> in XML, the model's locationName is <%s>", where, typ, f.json, f.xml, wantXML)
		}
		// Follow lists to their items, then nested structures.
		inner := m.Shapes[member.Shape]
		innerName := member.Shape
		for inner != nil && inner.Type == "list" && inner.Member != nil {
			innerName = inner.Member.Shape
			inner = m.Shapes[innerName]
		}
		checkShape(t, m, where, elemType(f.typ), innerName, checked)
	}
	for _, name := range shape.memberOrder {
		if slices.Contains(got, name) {
			want = append(want, name)
		}
	}
	// The newer fields last, in sgswitch's order.
	for _, name := range got {
		if !slices.Contains(want, name) {
			want = append(want, name)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s (%s): fields in order\n\t%s\nwant the model's order\n\t%s", where, typ, strings.Join(got, " "), strings.Join(want, " "))
	}
}
